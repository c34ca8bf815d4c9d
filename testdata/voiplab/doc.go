// Package voiplab holds the live-call lab of spitfilter: run.sh places a real
// SIP call (baresip → Kamailio + rtpengine → baresip, three network
// namespaces) through "spitfilter run" on an NFQUEUE rule, and the package's
// test checks what the callee heard. It has no library code; see README.md.
//
// `go test ./...` skips directories named testdata: run it as
// `go test ./testdata/voiplab/` (as root; it skips itself with -short).
package voiplab
