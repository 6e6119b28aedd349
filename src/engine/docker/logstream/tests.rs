use super::*;

/// The payload of a chunk.
fn text(c: &LogChunk) -> (LogStream, &str) {
    (c.stream, std::str::from_utf8(&c.bytes).unwrap())
}

fn frame(kind: u8, s: &str) -> Vec<u8> {
    let mut v = vec![kind, 0, 0, 0];
    v.extend_from_slice(&(s.len() as u32).to_be_bytes());
    v.extend_from_slice(s.as_bytes());
    v
}

fn chunked(parts: &[Vec<u8>]) -> Vec<u8> {
    let mut v = Vec::new();
    for p in parts {
        v.extend_from_slice(format!("{:x}\r\n", p.len()).as_bytes());
        v.extend_from_slice(p);
        v.extend_from_slice(b"\r\n");
    }
    v.extend_from_slice(b"0\r\n\r\n");
    v
}

/// Feeds `wire` to a decoder `step` bytes at a time.
fn decode(wire: &[u8], kind: Body, step: usize) -> Vec<(LogStream, String)> {
    let mut d = Decoder::new(BytesMut::new(), kind);
    for piece in wire.chunks(step) {
        d.raw.extend_from_slice(piece);
        d.decode().unwrap();
    }
    d.frames(true);
    // Adjacent chunks of one stream may be split differently by the read sizes: join them.
    let mut out: Vec<(LogStream, String)> = Vec::new();
    for c in &d.out {
        let (s, t) = text(c);
        match out.last_mut() {
            Some((ls, lt)) if *ls == s => lt.push_str(t),
            _ => out.push((s, t.to_string())),
        }
    }
    out
}

#[test]
fn frames_in_chunks_are_joined_per_stream_whatever_the_read_sizes() {
    let wire = chunked(&[frame(1, "a\n"), frame(1, "b\n"), frame(2, "e\n"), frame(0, "in"), frame(1, "c\n")]);
    let want = vec![(LogStream::Stdout, "a\nb\n".to_string()), (LogStream::Stderr, "e\n".into()), (LogStream::Stdout, "c\n".into())];
    for step in [1, 2, 3, 7, 11, wire.len()] {
        assert_eq!(decode(&wire, Body::Chunked, step), want, "step {step}");
    }
}

#[test]
fn one_read_of_many_frames_is_one_chunk() {
    let wire = chunked(&(0..50).map(|i| frame(1, &format!("line {i}\n"))).collect::<Vec<_>>());
    let mut d = Decoder::new(BytesMut::from(&wire[..]), Body::Chunked);
    d.decode().unwrap();
    assert!(d.finished);
    assert_eq!(d.out.len(), 1);
    assert_eq!(d.out[0].bytes.iter().filter(|b| **b == b'\n').count(), 50);
}

#[test]
fn a_tty_stream_is_raw_and_lengths_and_closes_delimit_bodies() {
    let raw = b"hello\r\nworld\n".to_vec();
    assert_eq!(decode(&chunked(std::slice::from_ref(&raw)), Body::Chunked, 3), vec![(LogStream::Stdout, "hello\r\nworld\n".into())]);
    let framed = [frame(1, "x\n"), frame(2, "y")].concat();
    let want = vec![(LogStream::Stdout, "x\n".to_string()), (LogStream::Stderr, "y".into())];
    assert_eq!(decode(&framed, Body::Length(framed.len()), 5), want);
    assert_eq!(decode(&framed, Body::UntilClose, 4), want);
    assert_eq!(decode(b"hi", Body::UntilClose, 1), vec![(LogStream::Stdout, "hi".into())]);
}

#[test]
fn bad_chunking_is_an_error() {
    let mut d = Decoder::new(BytesMut::from(&b"zz\r\n"[..]), Body::Chunked);
    assert!(d.decode().is_err());
    let mut d = Decoder::new(BytesMut::from(&b"2\r\nabXY"[..]), Body::Chunked);
    assert!(d.decode().is_err());
}

#[test]
fn heads_and_requests() {
    assert_eq!(parse_head(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n").unwrap(), (200, Body::Chunked));
    assert_eq!(parse_head(b"HTTP/1.1 404 Not Found\r\ncontent-length: 12\r\n\r\n").unwrap(), (404, Body::Length(12)));
    assert_eq!(parse_head(b"HTTP/1.0 200 OK\r\n\r\n").unwrap(), (200, Body::UntilClose));
    assert!(parse_head(b"garbage\r\n\r\n").is_err());
    let o = LogOptions { follow: true, tail: Some(0), since: Some(5), until: None, timestamps: true };
    let r = request("web 1", &o, "ua");
    assert!(r.starts_with("GET /containers/web%201/logs?stdout=1&stderr=1&follow=1&timestamps=1&tail=0&since=5 HTTP/1.1\r\n"), "{r}");
}

/// xorshift64*: deterministic, so a failing case reproduces from its seed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n.max(1) as u64) as usize
    }
}

/// A random well-formed answer body: frames of random streams and payloads, chunked or not.
fn random_wire(rng: &mut Rng) -> (Vec<u8>, Body, Vec<(LogStream, String)>) {
    let mut frames = Vec::new();
    let mut want: Vec<(LogStream, String)> = Vec::new();
    for _ in 0..rng.below(20) {
        let kind = [0u8, 1, 2][rng.below(3)];
        let text: String = (0..rng.below(40)).map(|_| ['a', '\n', ' ', 'é', '\r', '\0'][rng.below(6)]).collect();
        frames.push(frame(kind, &text));
        let stream = match kind {
            0 => continue,
            2 => LogStream::Stderr,
            _ => LogStream::Stdout,
        };
        want.push((stream, text));
    }
    match rng.below(3) {
        0 => (chunked(&frames), Body::Chunked, want),
        1 => {
            let body = frames.concat();
            let n = body.len();
            (body, Body::Length(n), want)
        }
        _ => (frames.concat(), Body::UntilClose, want),
    }
}

/// One random edit of the bytes: flipped, inserted, deleted or duplicated, or the stream cut.
fn mutate(rng: &mut Rng, wire: &mut Vec<u8>) {
    let at = rng.below(wire.len() + 1);
    match rng.below(5) {
        0 if at < wire.len() => wire[at] ^= 1 << rng.below(8),
        1 => wire.insert(at, [0u8, 1, 2, 0xff, b'\r', b'\n', b'0', b'f', b';'][rng.below(9)]),
        2 if at < wire.len() => {
            wire.remove(at);
        }
        3 if at < wire.len() => {
            let end = (at + 1 + rng.below(16)).min(wire.len());
            let copy = wire[at..end].to_vec();
            wire.splice(at..at, copy);
        }
        _ => wire.truncate(at),
    }
}

/// Seeded mutation fuzzing of the decoder (`NO_PANIC_SEED`, `NO_PANIC_SCALE` for longer runs):
/// a well-formed stream decodes to its frames whatever the read sizes; a mutated one gives
/// chunks or an error, never a panic, and never more payload bytes than it holds.
#[test]
fn the_decoder_survives_mutated_streams() {
    let seed = std::env::var("NO_PANIC_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x9E37_79B9_7F4A_7C15_u64);
    let scale: usize = std::env::var("NO_PANIC_SCALE").ok().and_then(|s| s.parse().ok()).unwrap_or(1);
    let mut rng = Rng(seed.max(1));
    for case in 0..3000 * scale {
        let (mut wire, kind, want) = random_wire(&mut rng);
        let step = 1 + rng.below(64);
        // Empty payloads are dropped and the rest joined per stream, on both sides.
        let joined = |parts: Vec<(LogStream, String)>| {
            let mut out: Vec<(LogStream, String)> = Vec::new();
            for (s, t) in parts.into_iter().filter(|(_, t)| !t.is_empty()) {
                match out.last_mut() {
                    Some((ls, lt)) if *ls == s => lt.push_str(&t),
                    _ => out.push((s, t)),
                }
            }
            out
        };
        assert_eq!(joined(decode(&wire, kind, step)), joined(want), "case {case} (seed {seed}): {wire:?} read {step} bytes at a time");
        for _ in 0..1 + rng.below(4) {
            mutate(&mut rng, &mut wire);
        }
        let mut head = b"HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\nTransfer-Encoding: chunked\r\nContent-Length: 12\r\n\r\n".to_vec();
        mutate(&mut rng, &mut head);
        assert!(std::panic::catch_unwind(|| parse_head(&head)).is_ok(), "case {case} (seed {seed}): parse_head panicked on {head:?}");
        let outcome = std::panic::catch_unwind(|| {
            let mut d = Decoder::new(BytesMut::new(), kind);
            for piece in wire.chunks(step) {
                d.raw.extend_from_slice(piece);
                if d.decode().is_err() {
                    break;
                }
            }
            d.frames(true);
            d.out.iter().map(|c| c.bytes.len()).sum::<usize>()
        });
        match outcome {
            Ok(bytes) => assert!(bytes <= wire.len(), "case {case} (seed {seed}): {bytes} payload bytes out of {} on the wire", wire.len()),
            Err(_) => panic!("case {case} (seed {seed}): the decoder panicked on {wire:?} read {step} bytes at a time"),
        }
    }
}
