package corpus

import (
	"bufio"
	"os"
	"strings"
	"testing"
)

// cmudict is PocketSphinx's en-us pronunciation dictionary (Debian package
// pocketsphinx-en-us).
const cmudict = "/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict"

func TestSpamScriptsHoldExactlyTheirPhrase(t *testing.T) {
	banned := BannedPhrases()
	seen := map[string]bool{}
	for i, sc := range spamScripts() {
		t.Run(sc.Phrase, func(t *testing.T) {
			if seen[sc.Phrase] {
				t.Fatalf("phrase %q used by two scripts", sc.Phrase)
			}
			seen[sc.Phrase] = true
			if sc.Before == "" || sc.After == "" {
				t.Errorf("script %d: want text before and after the phrase", i)
			}
			if diff := diffStrings([]string{sc.Phrase}, PhrasesIn(sc.Text(), banned)); diff != "" {
				t.Errorf("script %d %q: banned phrases in text (-want +got):\n%s", i, sc.Text(), diff)
			}
			// Neither part alone nor the joins may hold another phrase.
			for _, part := range []string{sc.Before, sc.After} {
				if got := PhrasesIn(part, banned); len(got) != 0 {
					t.Errorf("script %d: part %q holds %q", i, part, got)
				}
			}
		})
	}
	if len(seen) < 12 {
		t.Errorf("%d spam scripts, want at least 12", len(seen))
	}
}

func TestNegativeScriptsHoldNoPhrase(t *testing.T) {
	banned := BannedPhrases()
	for i, sc := range negativeScripts() {
		if sc.Phrase != "" || sc.After != "" {
			t.Errorf("negative %d: only Before may be set", i)
		}
		if got := PhrasesIn(sc.Text(), banned); len(got) != 0 {
			t.Errorf("negative %d %q holds banned %q", i, sc.Text(), got)
		}
	}
	for _, h := range humanSources() {
		if got := PhrasesIn(h.Text, banned); len(got) != 0 {
			t.Errorf("recording %s %q holds banned %q", h.Name, h.Text, got)
		}
	}
}

// TestPhrasesInPocketSphinxDictionary checks every word of every banned
// phrase against the dictionary both PocketSphinx peers and spitcheck's
// PocketSphinx engine use: a word missing there could never be spotted.
func TestPhrasesInPocketSphinxDictionary(t *testing.T) {
	f, err := os.Open(cmudict)
	if err != nil {
		if testing.Short() {
			t.Skipf("-short: %v", err)
		}
		t.Fatalf("%v (apt-get install pocketsphinx-en-us)", err)
	}
	defer f.Close()
	dict := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		w, _, _ := strings.Cut(sc.Text(), " ")
		if i := strings.IndexByte(w, '('); i >= 0 {
			w = w[:i]
		}
		dict[w] = true
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(dict) < 100000 {
		t.Fatalf("%s has %d words, want over 100000", cmudict, len(dict))
	}
	for _, p := range BannedPhrases() {
		for _, w := range Words(p) {
			if !dict[w] {
				t.Errorf("phrase %q: word %q is not in %s", p, w, cmudict)
			}
		}
	}
}

// TestBannedYAML checks that banned.yaml lists BannedPhrases, in order, and
// mutes.
func TestBannedYAML(t *testing.T) {
	b, err := os.ReadFile("banned.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	action := ""
	inBanned := false
	for n, line := range strings.Split(string(b), "\n") {
		switch {
		case strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "":
		case line == "banned:":
			inBanned = true
		case inBanned && strings.HasPrefix(line, "  - "):
			got = append(got, strings.TrimPrefix(line, "  - "))
		case strings.HasPrefix(line, "action:"):
			inBanned = false
			action = strings.TrimSpace(strings.TrimPrefix(line, "action:"))
		default:
			t.Errorf("banned.yaml:%d: unexpected line %q", n+1, line)
		}
	}
	if diff := diffStrings(BannedPhrases(), got); diff != "" {
		t.Errorf("banned.yaml phrases (-want +got):\n%s", diff)
	}
	if action != "mute" {
		t.Errorf("banned.yaml action %q, want mute", action)
	}
}
