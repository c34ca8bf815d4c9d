package nfqwire

import "encoding/binary"

// Queue configuration (NFQNL_MSG_CONFIG), which go-nfqueue sends only as
// part of starting its own reader.
const (
	msgConfig = nfnlSubsysQueue<<8 | 2 // NFQNL_MSG_CONFIG

	attrCfgCmd      = 1 // NFQA_CFG_CMD
	attrCfgParams   = 2 // NFQA_CFG_PARAMS
	attrCfgQueueLen = 3 // NFQA_CFG_QUEUE_MAXLEN
	attrCfgMask     = 4 // NFQA_CFG_MASK
	attrCfgFlags    = 5 // NFQA_CFG_FLAGS

	cmdBind   = 1 // NFQNL_CFG_CMD_BIND
	cmdUnbind = 2 // NFQNL_CFG_CMD_UNBIND

	// CopyPacket asks for the packets' bytes (NFQNL_COPY_PACKET).
	CopyPacket = 2
	// FlagFailOpen lets packets through unjudged when the queue is full
	// (NFQA_CFG_F_FAIL_OPEN).
	FlagFailOpen = 1
)

// Config is what a reader asks of its queue.
type Config struct {
	Queue uint16
	// CopyRange is how many bytes of each packet are copied to the
	// reader (with CopyPacket), at most 0xffff.
	CopyRange uint32
	// QueueLen is the most packets the kernel holds for the reader.
	QueueLen uint32
	// Flags are NFQA_CFG_F_* flags to set; those not set are cleared.
	Flags uint32
}

// ConfigMessages returns the bodies of the NFQNL_MSG_CONFIG requests that
// bind c.Queue and configure it, in order: bind, then copy mode, then
// flags and queue length. Each body is the nfgenmsg header and the
// attributes; the netlink header is the sender's (type ConfigType).
func ConfigMessages(c Config) [][]byte {
	bind := configBody(c.Queue)
	bind = appendAttr(bind, attrCfgCmd, []byte{cmdBind, 0, 0, 0})
	params := configBody(c.Queue)
	params = appendAttr(params, attrCfgParams, append(binary.BigEndian.AppendUint32(nil, c.CopyRange), CopyPacket))
	rest := configBody(c.Queue)
	rest = appendAttr(rest, attrCfgFlags, binary.BigEndian.AppendUint32(nil, c.Flags))
	rest = appendAttr(rest, attrCfgMask, binary.BigEndian.AppendUint32(nil, FlagFailOpen))
	rest = appendAttr(rest, attrCfgQueueLen, binary.BigEndian.AppendUint32(nil, c.QueueLen))
	return [][]byte{bind, params, rest}
}

// UnbindMessage returns the body of the request that unbinds queue.
func UnbindMessage(queue uint16) []byte {
	return appendAttr(configBody(queue), attrCfgCmd, []byte{cmdUnbind, 0, 0, 0})
}

// ConfigType is the netlink message type of configuration requests.
const ConfigType = msgConfig

func configBody(queue uint16) []byte {
	return []byte{0, 0, byte(queue >> 8), byte(queue)} // AF_UNSPEC, NFNETLINK_V0, queue
}

// appendAttr appends one attribute with value v, padded.
func appendAttr(dst []byte, typ uint16, v []byte) []byte {
	start := len(dst)
	dst = grow(dst, align4(nlaHdrLen+len(v)))
	putAttrHeader(dst[start:], typ, len(v))
	c := copy(dst[start+nlaHdrLen:], v)
	clear(dst[start+nlaHdrLen+c:])
	return dst
}
