//! A container's log stream read with our own HTTP/1.1 exchange on a connection to the engine
//! (`dial`: a unix socket, TCP, TLS or ssh).
//!
//! The engine writes one HTTP chunk, holding one multiplexed frame, per line its container
//! prints. Through bollard every such line costs a trip through hyper's body channel, a
//! `FramedRead` codec and bollard's stream reader, which zeroes its read buffer on each poll:
//! `logs -f` spent most of its instructions there. Here the socket is read into one large
//! buffer, the chunked transfer encoding and the 8-byte frame headers are peeled off in place,
//! and the payloads of consecutive frames of one output stream become one `LogChunk`: a read
//! system call that brings fifty lines yields one chunk, not fifty.
//!
//! A container with a TTY sends its output raw, without frame headers; as bollard does, the
//! first bytes decide (a frame header starts with 0, 1 or 2 and three zero bytes).

use std::collections::VecDeque;

use bytes::{Buf, BytesMut};
use futures_util::StreamExt;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};

use super::dial::{Conn, Dialer};
use crate::engine::{EngineError, EngineResult, EngineStream, LogChunk, LogOptions, LogStream};

/// How much one read may bring.
const READ_SIZE: usize = 64 * 1024;
/// The longest answer head (status line and headers) accepted.
const MAX_HEAD: usize = 64 * 1024;

/// The logs of container `id` read from the engine `dialer` reaches; `host` names the engine
/// in errors.
pub(super) fn logs<'a>(
    dialer: &'a Dialer,
    host: &'a str,
    user_agent: &'a str,
    id: &'a str,
    o: &'a LogOptions,
) -> EngineStream<'a, LogChunk> {
    let request = request(id, o, user_agent);
    let start = async move {
        let unavailable = |e: std::io::Error| EngineError::Unavailable { host: host.to_string(), reason: e.to_string() };
        let mut sock = dialer.dial().await.map_err(unavailable)?;
        sock.write_all(request.as_bytes()).await.map_err(protocol)?;
        Reader::open(sock).await
    };
    futures_util::stream::once(start)
        .flat_map(|opened| match opened {
            Ok(reader) => futures_util::stream::unfold(reader, |mut r| async move { r.next().await.map(|c| (c, r)) }).left_stream(),
            Err(e) => futures_util::stream::iter([Err(e)]).right_stream(),
        })
        .boxed()
}

/// `GET /containers/{id}/logs?…`, unversioned as bollard sends it, so that the engine reads it
/// at its own newest version.
fn request(id: &str, o: &LogOptions, user_agent: &str) -> String {
    let mut q = format!("stdout=1&stderr=1&follow={}&timestamps={}", o.follow as u8, o.timestamps as u8);
    match o.tail {
        Some(n) => q.push_str(&format!("&tail={n}")),
        None => q.push_str("&tail=all"),
    }
    if let Some(s) = o.since {
        q.push_str(&format!("&since={s}"));
    }
    if let Some(u) = o.until {
        q.push_str(&format!("&until={u}"));
    }
    let id: String = id
        .bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b"-._~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect();
    format!("GET /containers/{id}/logs?{q} HTTP/1.1\r\nHost: docker\r\nUser-Agent: {user_agent}\r\nConnection: close\r\n\r\n")
}

/// Reads an HTTP/1.1 answer's head from `sock` (bounded by `MAX_HEAD`): the head, blank line
/// included, and the bytes read after it.
pub(super) async fn read_head<S: AsyncRead + Unpin>(sock: &mut S) -> EngineResult<(BytesMut, BytesMut)> {
    let mut raw = BytesMut::with_capacity(READ_SIZE);
    let end = loop {
        if let Some(p) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break p;
        }
        if raw.len() > MAX_HEAD {
            return Err(protocol("answer head too long"));
        }
        if sock.read_buf(&mut raw).await.map_err(protocol)? == 0 {
            return Err(protocol("the engine closed the connection before answering"));
        }
    };
    let head = raw.split_to(end + 4);
    Ok((head, raw))
}

/// The engine's message in the body of an error answer (`{"message": ...}`), else the body.
pub(super) fn engine_message(body: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("message").and_then(|m| m.as_str()).map(str::to_string))
        .unwrap_or_else(|| String::from_utf8_lossy(body).trim().to_string())
}

/// The status code of an answer head [`read_head`] read.
pub(super) fn status_of(head: &[u8]) -> EngineResult<u16> {
    parse_head(head).map(|(status, _)| status)
}

pub(super) fn protocol(e: impl std::fmt::Display) -> EngineError {
    EngineError::Protocol { message: e.to_string() }
}

/// How the answer's body is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Body {
    Chunked,
    Length(usize),
    UntilClose,
}

struct Reader {
    sock: Conn,
    dec: Decoder,
    done: bool,
}

impl Reader {
    /// Reads the answer's head; an error status becomes the engine's error.
    async fn open(mut sock: Conn) -> EngineResult<Reader> {
        let (head, raw) = read_head(&mut sock).await?;
        let (status, body) = parse_head(&head)?;
        let mut dec = Decoder::new(raw, body);
        dec.decode().map_err(protocol)?;
        if !(200..300).contains(&status) {
            // The error's body is small: read it whole and take the engine's message.
            let mut r = Reader { sock, dec, done: false };
            while r.fill().await? {}
            r.dec.frames(true);
            let text: Vec<u8> = r.dec.out.iter().flat_map(|c| c.bytes.iter().copied()).collect();
            return Err(EngineError::from_status(status, engine_message(&text)));
        }
        Ok(Reader { sock, dec, done: false })
    }

    /// One more read into the decoder; false once the body has ended.
    async fn fill(&mut self) -> EngineResult<bool> {
        if self.dec.finished {
            return Ok(false);
        }
        self.dec.raw.reserve(READ_SIZE);
        let n = self.sock.read_buf(&mut self.dec.raw).await.map_err(protocol)?;
        if n == 0 {
            self.dec.finished = true;
        }
        self.dec.decode().map_err(protocol)?;
        Ok(!self.dec.finished)
    }

    async fn next(&mut self) -> Option<EngineResult<LogChunk>> {
        loop {
            if let Some(c) = self.dec.out.pop_front() {
                return Some(Ok(c));
            }
            if self.done {
                return None;
            }
            match self.fill().await {
                Ok(true) => {}
                Ok(false) => {
                    self.dec.frames(true);
                    self.done = true;
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
    }
}

/// The status code and how the body is delimited.
fn parse_head(head: &[u8]) -> EngineResult<(u16, Body)> {
    let text = std::str::from_utf8(head).map_err(protocol)?;
    let mut lines = text.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status =
        status_line.split(' ').nth(1).and_then(|s| s.parse().ok()).ok_or_else(|| protocol(format!("bad status line {status_line:?}")))?;
    let mut body = Body::UntilClose;
    for (k, v) in lines.filter_map(|l| l.split_once(':')) {
        let (k, v) = (k.trim(), v.trim());
        if k.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked") {
            body = Body::Chunked;
        } else if k.eq_ignore_ascii_case("content-length") && body != Body::Chunked {
            body = Body::Length(v.parse().map_err(protocol)?);
        }
    }
    Ok((status, body))
}

/// Socket bytes in, log chunks out.
struct Decoder {
    /// Bytes read and not yet taken out of the transfer encoding.
    raw: BytesMut,
    /// Body bytes not yet cut into frames.
    body: BytesMut,
    kind: Body,
    /// Body bytes left in the current HTTP chunk (or in the whole body, for `Length`).
    left: usize,
    /// The CRLF that closes a chunk's data is still to be skipped.
    crlf: bool,
    /// The body has ended (last chunk, length reached, or the connection closed).
    finished: bool,
    /// Whether the body is multiplexed frames; decided by its first bytes.
    framed: Option<bool>,
    out: VecDeque<LogChunk>,
}

impl Decoder {
    fn new(raw: BytesMut, kind: Body) -> Decoder {
        let left = if let Body::Length(n) = kind { n } else { 0 };
        Decoder {
            raw,
            body: BytesMut::with_capacity(READ_SIZE),
            kind,
            left,
            crlf: false,
            finished: kind == Body::Length(0),
            framed: None,
            out: VecDeque::new(),
        }
    }

    /// Moves what `raw` holds of the body into `body`, then cuts frames.
    fn decode(&mut self) -> Result<(), &'static str> {
        match self.kind {
            Body::UntilClose => self.body.extend_from_slice(&self.raw.split()),
            Body::Length(_) => {
                let n = self.left.min(self.raw.len());
                self.body.extend_from_slice(&self.raw.split_to(n));
                self.left -= n;
                self.raw.clear();
                if self.left == 0 {
                    self.finished = true;
                }
            }
            Body::Chunked => self.dechunk()?,
        }
        self.frames(false);
        Ok(())
    }

    fn dechunk(&mut self) -> Result<(), &'static str> {
        while !self.finished {
            if self.left > 0 {
                let n = self.left.min(self.raw.len());
                if n == 0 {
                    return Ok(());
                }
                self.body.extend_from_slice(&self.raw[..n]);
                self.raw.advance(n);
                self.left -= n;
                self.crlf = self.left == 0;
                continue;
            }
            if self.crlf {
                if self.raw.len() < 2 {
                    return Ok(());
                }
                if &self.raw[..2] != b"\r\n" {
                    return Err("bad chunk end");
                }
                self.raw.advance(2);
                self.crlf = false;
            }
            let Some(eol) = self.raw.windows(2).position(|w| w == b"\r\n") else {
                return if self.raw.len() > 1024 { Err("bad chunk size line") } else { Ok(()) };
            };
            let line = &self.raw[..eol];
            let digits = line.split(|b| *b == b';').next().unwrap_or_default();
            let size = std::str::from_utf8(digits).ok().and_then(|s| usize::from_str_radix(s.trim(), 16).ok()).ok_or("bad chunk size")?;
            self.raw.advance(eol + 2);
            if size == 0 {
                self.finished = true;
            }
            self.left = size;
        }
        Ok(())
    }

    /// Cuts the complete frames of `body` into `out`, joining the payloads of consecutive
    /// frames of one stream; `end`: the body is over, a raw (TTY) remainder goes out too.
    fn frames(&mut self, end: bool) {
        let framed = match self.framed {
            Some(f) => f,
            None if self.body.len() >= 4 || (end && !self.body.is_empty()) => {
                let b = &self.body;
                let f = b.len() >= 4 && b[0] <= 2 && b[1..4] == [0, 0, 0];
                self.framed = Some(f);
                f
            }
            None => return,
        };
        if !framed {
            if !self.body.is_empty() {
                self.out.push_back(LogChunk { stream: LogStream::Stdout, bytes: self.body.split().freeze() });
            }
            return;
        }
        let mut acc: Option<(LogStream, BytesMut)> = None;
        while self.body.len() >= 8 {
            let len = u32::from_be_bytes([self.body[4], self.body[5], self.body[6], self.body[7]]) as usize;
            if self.body.len() < 8 + len {
                break;
            }
            let kind = self.body[0];
            self.body.advance(8);
            let payload = self.body.split_to(len);
            // Standard input echoes (0) are dropped.
            let stream = match kind {
                0 => continue,
                2 => LogStream::Stderr,
                _ => LogStream::Stdout,
            };
            match &mut acc {
                Some((s, buf)) if *s == stream => buf.extend_from_slice(&payload),
                _ => {
                    if let Some((s, buf)) = acc.take() {
                        self.out.push_back(LogChunk { stream: s, bytes: buf.freeze() });
                    }
                    acc = Some((stream, payload));
                }
            }
        }
        if let Some((s, buf)) = acc {
            self.out.push_back(LogChunk { stream: s, bytes: buf.freeze() });
        }
    }
}

#[cfg(test)]
mod tests;
