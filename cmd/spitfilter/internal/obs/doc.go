// Package obs is what the spitfilter daemon tells the outside world: a
// Prometheus collector over a snapshot of the daemon's own counters and of
// the kernel's NFQUEUE counters, an HTTP server for /metrics and /healthz,
// JSON event lines (detections, enforcement start and end, reloads), and
// hooks (a program run, a URL POSTed) on each detection so that operators
// can hang up the call through their PBX.
//
// Nothing here sits on the packet path: the daemon counts in its own
// atomics and hands a [Source]; the [Collector] reads it at scrape time.
// [Writer.Emit] and [Hooks.Fire] never block for long: when their sink
// stalls or their bound is reached, the event is dropped and counted.
//
// Privacy: events carry metadata and the matched rule only. An event's
// Transcript is written or sent only when the Writer or Hooks were made
// with Transcript set (config transcript: true); audio and payload bytes
// are never part of an event.
package obs
