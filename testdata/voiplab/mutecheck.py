#!/usr/bin/python3
"""Where did the callee's audio go silent, compared with spitfilter's events?

usage: mutecheck.py SENT.wav HEARD.wav EVENTS.jsonl [--phrase-end S]
                    [--stream-start EPOCH] [--first-muted EPOCH]

Pure stdlib. Both WAVs 8 kHz mono s16le. Times are "stream time": seconds from the
start of the sent message (the caller starts playing it when the call is
established, so it is the time of the caller's RTP stream). --stream-start is
the capture time of the stream's first RTP packet (Unix seconds): the events'
packet times are measured from it. --first-muted is the capture time of the
first all-silence packet rtpengine sent the callee. The recording's
offset (lag) is found by correlating its 20 ms energy envelope with the sent
message's, over the part before the mute. Prints a summary and a last line
"RESULT: muted ..." or "RESULT: not muted ..." (exit 0 / 1).
"""
import argparse
import array
from datetime import datetime
import json
import math
import re
import sys
import wave

FRAME_S = 0.020
SILENT = 0.002          # frame RMS (full scale 1.0) below this is silence (-54 dBFS)


def load(path):
    with wave.open(path, 'rb') as w:
        if w.getsampwidth() != 2 or w.getnchannels() != 1:
            sys.exit(f'{path}: need mono 16-bit, have {w.getnchannels()} channel(s) of {8 * w.getsampwidth()} bits')
        rate = w.getframerate()
        a = array.array('h', w.readframes(w.getnframes()))
    if sys.byteorder == 'big':
        a.byteswap()
    return rate, a


def envelope(a, n):
    return [math.sqrt(sum(x * x for x in a[i:i + n]) / n) / 32768.0 for i in range(0, len(a) - n + 1, n)]


def pearson(x, y):
    m = min(len(x), len(y))
    if m < 2:
        return 0.0
    x, y = x[:m], y[:m]
    mx, my = sum(x) / m, sum(y) / m
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y))
    sxx = sum((a - mx) ** 2 for a in x)
    syy = sum((b - my) ** 2 for b in y)
    return sxy / math.sqrt(sxx * syy) if sxx and syy else 0.0


def rms(env):
    return math.sqrt(sum(e * e for e in env) / len(env)) if env else 0.0


def epoch(rfc3339):
    """Unix seconds of an RFC 3339 UTC time with up to nanoseconds."""
    m = re.fullmatch(r'(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z', rfc3339)
    if not m:
        raise ValueError(f'time {rfc3339!r} is not RFC 3339 UTC')
    base = datetime.fromisoformat(m.group(1) + '+00:00').timestamp()
    return base + (float('0.' + m.group(2)) if m.group(2) else 0.0)


def opt_float(s):
    return float(s) if s else None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('sent')
    ap.add_argument('heard')
    ap.add_argument('events')
    ap.add_argument('--phrase-end', type=opt_float, default=None)
    ap.add_argument('--stream-start', type=opt_float, default=None)
    ap.add_argument('--first-muted', type=opt_float, default=None)
    a = ap.parse_args()
    r1, sent = load(a.sent)
    r2, heard = load(a.heard)
    if r1 != r2:
        sys.exit(f'{a.heard}: {r2} Hz, but {a.sent} is {r1} Hz')
    phrase_end = a.phrase_end
    det = enf = None
    with open(a.events) as f:
        for n, line in enumerate(f, 1):
            try:
                ev = json.loads(line)
                if ev.get('type') in ('detection', 'enforce_start'):
                    # without the capture: the detection's end, or the enforcement's start_s
                    fallback = ev['end_s'] if ev['type'] == 'detection' else ev['start_s']
                    ev['at_s'] = epoch(ev['time']) - a.stream_start if a.stream_start else fallback
            except ValueError as e:
                sys.exit(f'{a.events}:{n}: not a JSON event line: {e}')
            except KeyError as e:
                sys.exit(f'{a.events}:{n}: {ev.get("type")} event without field {e}')
            if ev.get('type') == 'detection' and det is None:
                det = ev
            if ev.get('type') == 'enforce_start' and enf is None:
                enf = ev
    n = int(r1 * FRAME_S)
    es, eh = envelope(sent, n), envelope(heard, n)
    # when the mute really began: the first muted packet on the wire (the events carry the
    # packet time of the frame that completed the detection; under load the slow path
    # finishes later, and the mute applies to the packets after that)
    mute_at = None
    if enf is not None:
        mute_at = a.first_muted - a.stream_start if a.first_muted and a.stream_start else enf['at_s']
    cut = len(es)
    if mute_at is not None:
        cut = max(10, min(cut, int(mute_at / FRAME_S)))
    best = (-2.0, 0)
    for lag in range(-50, 150):
        c = pearson(es[:cut], eh[lag:]) if lag >= 0 else pearson(es[-lag:cut], eh)
        if c > best[0]:
            best = (c, lag)
    corr, lag = best
    # the final run of silent frames in the recording
    k = len(eh)
    while k > 0 and eh[k - 1] < SILENT:
        k -= 1
    silent_from = (k - lag) * FRAME_S   # stream time
    sent_s, heard_s = len(sent) / r1, len(heard) / r1
    print(f'sent {sent_s:.2f}s, heard (recorded at the callee) {heard_s:.2f}s, lag {lag * FRAME_S * 1000:.0f}ms (envelope corr {corr:.3f} before the mute)')
    if phrase_end is not None:
        print(f'phrase ends in the sent message at {phrase_end:.2f}s (pocketsphinx keyword spotting)')
    if det is not None:
        print(f'detection: rule "{det["rule"]}" heard at {det["start_s"]:.2f}-{det["end_s"]:.2f}s (confidence {det["confidence"]:.2f}), '
              f'made at {det["at_s"]:.2f}s')
    if enf is not None:
        after = f', {enf["at_s"] - phrase_end:.2f}s after the phrase end' if phrase_end is not None else ''
        print(f'enforce_start: {enf["action"]}, event at {enf["at_s"]:.2f}s{after} (packet time of the frame that completed the detection)')
    if a.first_muted and a.stream_start:
        after = f', {a.first_muted - a.stream_start - phrase_end:.2f}s after the phrase end' if phrase_end is not None else ''
        print(f'first muted packet to the callee at {a.first_muted - a.stream_start:.2f}s{after}')
    muted_speech = sum(1 for e in es[max(0, k - lag):] if e >= SILENT) * FRAME_S
    if enf is None:
        print(f'callee audio: speech to {silent_from:.2f}s of {sent_s:.2f}s sent, {muted_speech:.2f}s of sent speech not heard')
        print('RESULT: not muted (no enforce_start event)')
        return 1
    if k < len(eh):
        print(f'callee audio silent from {silent_from:.2f}s to the end of the call ({(len(eh) - k) * FRAME_S:.2f}s); '
              f'{max(0.0, sent_s - silent_from):.2f}s of the message muted, {muted_speech:.2f}s of it speech')
    else:
        print('callee audio never went silent for good')
    pe = min(phrase_end, mute_at) if phrase_end is not None else mute_at
    before_sent = rms(es[:int(pe / FRAME_S)])
    before_heard = rms(eh[max(0, lag):max(0, lag) + int(pe / FRAME_S)])
    problems = []
    if before_heard < 0.3 * before_sent:
        problems.append(f'little audio before the phrase end (rms {before_heard:.4f}, sent {before_sent:.4f})')
    if k == len(eh) or silent_from > mute_at + 0.5:
        problems.append(f'not silent from 0.5 s after the mute began ({mute_at:.2f}s) to the end')
    if muted_speech < 1.0:
        problems.append(f'only {muted_speech:.2f}s of speech muted')
    if problems:
        print('RESULT: not muted: ' + '; '.join(problems))
        return 1
    print(f'RESULT: muted; callee silent {silent_from - mute_at:+.2f}s after the first muted packet')
    return 0


if __name__ == '__main__':
    sys.exit(main())
