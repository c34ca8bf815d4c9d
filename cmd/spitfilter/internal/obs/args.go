package obs

import (
	"fmt"
	"strings"
)

// splitArgs splits a command line into words as a POSIX shell would,
// without expanding anything: blanks separate words, '...' is literal,
// "..." keeps blanks and takes \" \\ \$ \` as escapes, and a backslash
// outside quotes escapes the next character. An unterminated quote or a
// trailing backslash is an error naming its position.
func splitArgs(s string) ([]string, error) {
	var (
		args  []string
		word  strings.Builder
		in    bool // a word has started (possibly empty, as in '')
		quote byte
		qpos  int
	)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch quote {
		case '\'':
			if c == '\'' {
				quote = 0
			} else {
				word.WriteByte(c)
			}
			continue
		case '"':
			switch {
			case c == '"':
				quote = 0
			case c == '\\' && i+1 < len(s) && strings.IndexByte("\"\\$`", s[i+1]) >= 0:
				i++
				word.WriteByte(s[i])
			default:
				word.WriteByte(c)
			}
			continue
		}
		switch c {
		case ' ', '\t', '\n':
			if in {
				args = append(args, word.String())
				word.Reset()
				in = false
			}
		case '\'', '"':
			quote, qpos, in = c, i, true
		case '\\':
			if i+1 == len(s) {
				return nil, fmt.Errorf("backslash at the end (byte %d)", i+1)
			}
			i++
			word.WriteByte(s[i])
			in = true
		default:
			word.WriteByte(c)
			in = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unterminated %c quote at byte %d", quote, qpos+1)
	}
	if in {
		args = append(args, word.String())
	}
	return args, nil
}
