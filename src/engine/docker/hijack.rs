//! Exec start and container attach with the connection taken over by our own HTTP/1.1
//! exchange on a connection to the engine (as `logstream` reads logs), whatever its transport.
//!
//! bollard guesses from each read's first byte whether output is multiplexed (a frame header
//! starts with 0, 1 or 2), so a TTY that writes such a byte first (`printf '\001'`, a NUL of a
//! full-screen program) loses output. Here the caller says whether there is a TTY, and the
//! bytes are taken as they are: raw with one, frames without.

use bytes::{Buf, Bytes, BytesMut};
use futures_util::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt, ReadHalf};

use super::dial::{Conn, Dialer};
use super::logstream::protocol;
use crate::engine::{EngineError, EngineResult, Hijacked, LogChunk, LogStream};

const READ_SIZE: usize = 64 * 1024;

/// Where and how to connect.
pub(super) struct Socket<'a> {
    pub dialer: &'a Dialer,
    pub host: &'a str,
    pub user_agent: &'a str,
}

/// POSTs `body` to `url` (path and query, unversioned as bollard sends them) asking for the
/// connection to be taken over, and returns the process's streams; `tty` says how its output
/// comes (raw, or multiplexed frames).
pub(super) async fn open(socket: &Socket<'_>, url: &str, body: &str, tty: bool) -> EngineResult<Hijacked> {
    let unavailable = |e: std::io::Error| EngineError::Unavailable { host: socket.host.to_string(), reason: e.to_string() };
    let mut sock = socket.dialer.dial().await.map_err(unavailable)?;
    let request = format!(
        "POST {url} HTTP/1.1\r\nHost: docker\r\nUser-Agent: {}\r\nContent-Type: application/json\r\nConnection: Upgrade\r\n\
         Upgrade: tcp\r\nContent-Length: {}\r\n\r\n{body}",
        socket.user_agent,
        body.len()
    );
    sock.write_all(request.as_bytes()).await.map_err(protocol)?;
    let (head, mut raw) = super::logstream::read_head(&mut sock).await?;
    let (status, length) = parse_head(&head)?;
    if !matches!(status, 101 | 200) {
        // The error's body is small: read it whole and take the engine's message.
        while length.is_none_or(|n| raw.len() < n) {
            if sock.read_buf(&mut raw).await.map_err(protocol)? == 0 {
                break;
            }
        }
        return Err(EngineError::from_status(status, message(&raw)));
    }
    let (read, write) = tokio::io::split(sock);
    let output =
        futures_util::stream::unfold(
            Output { read, buf: raw, tty, ended: false },
            |mut o| async move { o.next().await.map(|item| (item, o)) },
        );
    Ok(Hijacked { output: output.boxed(), input: Box::pin(write) })
}

/// `s` as one path segment or query value.
pub(super) fn escape(s: &str) -> String {
    s.bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b"-._~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

/// The status and the `Content-Length`, if any.
fn parse_head(head: &[u8]) -> EngineResult<(u16, Option<usize>)> {
    let text = std::str::from_utf8(head).map_err(protocol)?;
    let mut lines = text.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status =
        status_line.split(' ').nth(1).and_then(|s| s.parse().ok()).ok_or_else(|| protocol(format!("bad status line {status_line:?}")))?;
    let length = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse().ok());
    Ok((status, length))
}

/// The engine's `{"message": ...}`, or the body's text.
fn message(body: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("message").and_then(|m| m.as_str()).map(str::to_string))
        .unwrap_or_else(|| String::from_utf8_lossy(body).trim().to_string())
}

/// The output half: raw bytes with a TTY, frames (8-byte header: stream, 3 zero bytes, length)
/// without.
struct Output {
    read: ReadHalf<Conn>,
    buf: BytesMut,
    tty: bool,
    ended: bool,
}

impl Output {
    async fn next(&mut self) -> Option<EngineResult<LogChunk>> {
        loop {
            match self.take() {
                Ok(Some(chunk)) => return Some(Ok(chunk)),
                Ok(None) if self.ended => return None,
                Ok(None) => {}
                Err(e) => {
                    self.ended = true;
                    self.buf.clear();
                    return Some(Err(e));
                }
            }
            self.buf.reserve(READ_SIZE);
            match self.read.read_buf(&mut self.buf).await {
                Ok(0) => self.ended = true,
                Ok(_) => {}
                // The engine closing a finished session abruptly ends it all the same.
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => self.ended = true,
                Err(e) => {
                    self.ended = true;
                    return Some(Err(protocol(e)));
                }
            }
        }
    }

    /// The next whole piece in the buffer.
    fn take(&mut self) -> EngineResult<Option<LogChunk>> {
        if self.buf.is_empty() {
            return Ok(None);
        }
        if self.tty {
            return Ok(Some(LogChunk { stream: LogStream::Stdout, bytes: self.buf.split().freeze() }));
        }
        let Some(next) = frame(&mut self.buf)? else {
            if self.ended {
                return Err(protocol(format!("the output ended inside a frame ({} bytes left)", self.buf.len())));
            }
            return Ok(None);
        };
        Ok(Some(next))
    }
}

/// Cuts one whole frame off `buf`; stdin echoes (stream 0) count as stdout.
fn frame(buf: &mut BytesMut) -> EngineResult<Option<LogChunk>> {
    if buf.len() < 8 {
        return Ok(None);
    }
    let len = u32::from_be_bytes([buf[4], buf[5], buf[6], buf[7]]) as usize;
    if buf.len() < 8 + len {
        return Ok(None);
    }
    let stream = match buf[0] {
        0 | 1 => LogStream::Stdout,
        2 => LogStream::Stderr,
        other => return Err(protocol(format!("bad output frame header (stream {other})"))),
    };
    buf.advance(8);
    let bytes: Bytes = buf.split_to(len).freeze();
    Ok(Some(LogChunk { stream, bytes }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_cut_whole_and_keep_their_stream() {
        let mut buf = BytesMut::from(&b"\x01\0\0\0\0\0\0\x03out\x02\0\0\0\0\0\0\x03er"[..]);
        let first = frame(&mut buf).unwrap().unwrap();
        assert_eq!((first.stream, &first.bytes[..]), (LogStream::Stdout, &b"out"[..]));
        assert!(frame(&mut buf).unwrap().is_none(), "a partial frame waits");
        buf.extend_from_slice(b"r");
        let second = frame(&mut buf).unwrap().unwrap();
        assert_eq!((second.stream, &second.bytes[..]), (LogStream::Stderr, &b"err"[..]));
        assert!(frame(&mut BytesMut::from(&b"\x07\0\0\0\0\0\0\x01x"[..])).is_err());
    }

    #[test]
    fn the_engines_message_is_kept() {
        assert_eq!(message(br#"{"message":"No such exec instance: x"}"#), "No such exec instance: x");
        let (status, length) = parse_head(b"HTTP/1.1 404 Not Found\r\nContent-Length: 12\r\n\r\n").unwrap();
        assert_eq!((status, length), (404, Some(12)));
    }
}
