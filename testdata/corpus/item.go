package corpus

// Kind says whether an item holds a banned phrase.
type Kind string

// Item kinds.
const (
	Spam     Kind = "spam"     // a scam message with exactly one banned phrase
	Negative Kind = "negative" // ordinary speech with no banned phrase
)

// Item is one corpus entry and its ground truth, as stored in ID.json in the
// corpus directory. Times are seconds from the stream's first sample (the
// first sample of the first RTP packet, and of the WAV file).
type Item struct {
	ID     string `json:"id"`
	Kind   Kind   `json:"kind"`
	Source string `json:"source"` // "synthesized" or "human"
	Voice  string `json:"voice"`  // Voice.String(), or "human:" + recording name
	Text   string `json:"text"`   // what is said ("" when unknown)
	Phrase string `json:"phrase"` // the banned phrase; "" for a negative

	PhraseStart float64 `json:"phrase_start_s"` // first sample of the phrase
	PhraseEnd   float64 `json:"phrase_end_s"`   // just after its last sample
	Duration    float64 `json:"duration_s"`     // audio sent, whole packets

	Codec       string  `json:"codec"`        // "PCMU" or "PCMA"
	PayloadType uint8   `json:"payload_type"` // 0 or 8
	Loss        float64 `json:"loss"`         // capgen loss probability
	JitterMs    float64 `json:"jitter_ms"`    // capgen uniform arrival jitter bound
	Seed        int64   `json:"seed"`         // the item's seed (impairments, pauses)
	SSRC        uint32  `json:"ssrc"`
	Src         string  `json:"src"` // RTP source address:port
	Dst         string  `json:"dst"` // RTP destination address:port

	Packets int `json:"packets"` // RTP records in the capture
	Lost    int `json:"lost"`    // packets generated but not sent

	Capture string `json:"capture"` // the pcap: DIR/ID.pcap
	WAV     string `json:"wav"`     // decoded audio, 16 kHz mono: DIR/ID.wav

	// Hash identifies the inputs the files were made from; Generate
	// rebuilds an item whose stored hash differs.
	Hash string `json:"hash"`
}
