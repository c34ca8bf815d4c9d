package nfqwire

import "errors"

// ErrShort: a message or attribute is cut short.
var ErrShort = errors.New("nfqwire: message cut short")

// ErrNoPacketHeader: a packet message without NFQA_PACKET_HDR, so without
// the id a verdict needs.
var ErrNoPacketHeader = errors.New("nfqwire: packet message without a packet header")
