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
