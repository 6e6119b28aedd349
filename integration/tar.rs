//! A minimal ustar writer for build contexts and `put_archive` payloads in tests: regular
//! files and directories, owned by root, mtime 0.

/// Builds a tar archive in memory.
#[derive(Default)]
pub struct Tar {
    bytes: Vec<u8>,
}

impl Tar {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a regular file (`path` relative, at most 100 bytes).
    pub fn file(mut self, path: &str, mode: u32, content: &[u8]) -> Self {
        self.header(path, mode, content.len() as u64, b'0');
        self.bytes.extend_from_slice(content);
        self.pad();
        self
    }

    /// Adds a directory.
    pub fn dir(mut self, path: &str, mode: u32) -> Self {
        let path = format!("{}/", path.trim_end_matches('/'));
        self.header(&path, mode, 0, b'5');
        self
    }

    /// The archive with its two closing zero blocks.
    pub fn finish(mut self) -> Vec<u8> {
        self.bytes.extend_from_slice(&[0; 1024]);
        self.bytes
    }

    fn header(&mut self, path: &str, mode: u32, size: u64, kind: u8) {
        assert!(path.len() <= 100, "tar path too long for this writer: {path}");
        let mut h = [0u8; 512];
        h[..path.len()].copy_from_slice(path.as_bytes());
        octal(&mut h[100..108], u64::from(mode));
        octal(&mut h[108..116], 0); // uid
        octal(&mut h[116..124], 0); // gid
        octal(&mut h[124..136], size);
        octal(&mut h[136..148], 0); // mtime
        h[156] = kind;
        h[257..263].copy_from_slice(b"ustar\0");
        h[263..265].copy_from_slice(b"00");
        h[148..156].fill(b' ');
        let sum: u64 = h.iter().map(|&b| u64::from(b)).sum();
        octal(&mut h[148..155], sum);
        self.bytes.extend_from_slice(&h);
    }

    fn pad(&mut self) {
        let rest = self.bytes.len() % 512;
        if rest != 0 {
            self.bytes.resize(self.bytes.len() + 512 - rest, 0);
        }
    }
}

/// Zero-padded octal digits followed by a NUL, filling `field`.
fn octal(field: &mut [u8], value: u64) {
    let digits = field.len() - 1;
    let text = format!("{value:0digits$o}");
    assert!(text.len() == digits, "value {value} does not fit a tar field");
    field[..digits].copy_from_slice(text.as_bytes());
    field[digits] = 0;
}

#[test]
fn system_tar_reads_our_archives() {
    let archive = Tar::new().dir("d", 0o755).file("d/a.txt", 0o644, b"hello\n").finish();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.tar");
    std::fs::write(&path, archive).unwrap();
    let out = std::process::Command::new("tar").arg("-tvf").arg(&path).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let listing = String::from_utf8_lossy(&out.stdout);
    assert!(listing.contains("d/a.txt"), "{listing}");
}
