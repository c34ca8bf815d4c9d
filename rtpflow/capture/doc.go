// Package capture reads packets from pcap and pcapng files as a stream.
//
// [NewReader] sniffs the first bytes: the four pcap magics (microsecond
// and nanosecond timestamps, either byte order), pcapng, or either of them
// gzip-compressed; anything else is refused with an error wrapping
// [ErrNotCapture] that names the file and shows the bytes found. File
// headers and pcapng go through gopacket's pcapgo readers; pcap records are
// read in place from the read buffer, accepting and refusing what pcapgo
// does (a test holds the two to agreeing on arbitrary input), at a
// fraction of pcapgo's per-record cost. Either way reading is zero-copy:
// the data returned by [Reader.Next] is valid until the next call. The
// file is never held in memory; memory use is the read buffer plus the
// largest packet.
//
// A pcapng file may describe several interfaces with different link types;
// each packet comes with its own interface's link type. Packets cut by the
// snapshot length (CaptureLength < Length) are returned as they are.
//
// A damaged file yields an [*Error] naming the file, the byte offset of the
// bad record and the number of packets read before it, and wrapping
// [ErrTruncated] or [ErrCorrupt]; the packets before it have been returned.
package capture
