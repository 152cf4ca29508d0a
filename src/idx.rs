//! The IDX format of MNIST and Fashion-MNIST, plain or gzip-compressed
//! (detected from the first two bytes).
//!
//! ```text
//! 0x00 0x00 | type (0x08 = u8) | number of dimensions d | d × u32 big-endian sizes | data
//! ```
//!
//! Images are `[n, rows, cols]` bytes, labels `[n]` bytes. Reading checks the
//! magic number, the type, the dimensions and the length, and never inflates a
//! gzip stream past [`MAX_BYTES`].

use crate::error::Error;
use std::io::Read;

/// Largest data set accepted, after decompression: 60,000 MNIST images are 47 MB.
pub const MAX_BYTES: usize = 256 << 20;

/// An IDX array of bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct Idx {
    pub dims: Vec<usize>,
    pub data: Vec<u8>,
}

fn bad(reason: impl Into<String>) -> Error {
    Error::DataFile(reason.into())
}

/// Plain bytes of `bytes`, inflating them if they are gzip: every member of
/// the stream (a file made by concatenating gzip files has several), and
/// nothing after it.
pub(crate) fn inflate(bytes: &[u8]) -> Result<Vec<u8>, Error> {
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return Ok(bytes.to_vec());
    }
    // A gzip file ends with its (last member's) size: room for that at once
    // spares the doubling of a growing buffer and the memory it would keep.
    // Only a hint, since a damaged or hostile file may claim anything: never
    // more than deflate can expand these bytes to (1,032 times), nor 32 MB.
    let size_hint = bytes.len().checked_sub(4).map_or(0, |at| {
        u32::from_le_bytes(bytes[at..].try_into().expect("4 bytes")) as usize
    });
    let room = size_hint
        .min(bytes.len().saturating_mul(1032))
        .min(32 << 20);
    let mut plain = Vec::with_capacity(room);
    let limit = MAX_BYTES as u64 + 1;
    flate2::read::MultiGzDecoder::new(bytes)
        .take(limit)
        .read_to_end(&mut plain)
        .map_err(|e| {
            bad(format!(
                "the gzip stream is damaged or truncated, or other bytes follow it ({e})"
            ))
        })?;
    if plain.len() > MAX_BYTES {
        return Err(bad(format!(
            "the data set is larger than the limit of {} MB",
            MAX_BYTES >> 20
        )));
    }
    Ok(plain)
}

/// Reads one IDX array of unsigned bytes.
pub fn read(bytes: &[u8]) -> Result<Idx, Error> {
    if bytes.is_empty() {
        return Err(bad("the file is empty"));
    }
    if bytes.len() > MAX_BYTES {
        return Err(bad(format!(
            "the file is larger than the limit of {} MB",
            MAX_BYTES >> 20
        )));
    }
    let bytes = inflate(bytes)?;
    if bytes.len() < 4 || bytes[0] != 0 || bytes[1] != 0 {
        return Err(bad(
            "not an IDX file: it does not start with the magic bytes 0x00 0x00",
        ));
    }
    if bytes[2] != 0x08 {
        return Err(bad(format!(
            "IDX type 0x{:02x} is not supported, only unsigned bytes (0x08)",
            bytes[2]
        )));
    }
    let rank = bytes[3] as usize;
    if !(1..=3).contains(&rank) {
        return Err(bad(format!(
            "IDX files of {rank} dimensions are not supported (1 for labels, 3 for images)"
        )));
    }
    let header = 4 + 4 * rank;
    if bytes.len() < header {
        return Err(bad(format!(
            "the IDX header needs {header} bytes, the file has {}",
            bytes.len()
        )));
    }
    let dims: Vec<usize> = (0..rank)
        .map(|i| {
            u32::from_be_bytes(bytes[4 + 4 * i..8 + 4 * i].try_into().expect("4 bytes")) as usize
        })
        .collect();
    let expected = dims
        .iter()
        .try_fold(1u64, |n, &d| n.checked_mul(d as u64))
        .unwrap_or(u64::MAX);
    let actual = (bytes.len() - header) as u64;
    if expected != actual {
        return Err(bad(format!(
            "the dimensions {dims:?} need {expected} data bytes, the file has {actual} (truncated or damaged?)"
        )));
    }
    Ok(Idx {
        dims,
        data: bytes[header..].to_vec(),
    })
}

/// Images from an IDX file as `[n, rows·cols]` in `[0, 1]`, with `(rows, cols)`.
pub fn read_images(bytes: &[u8]) -> Result<(Vec<f32>, usize, usize), Error> {
    let idx = read(bytes)?;
    let [n, rows, cols] = idx.dims[..] else {
        return Err(bad(format!(
            "an image file has 3 dimensions, this one has {}",
            idx.dims.len()
        )));
    };
    if n == 0 || rows == 0 || cols == 0 {
        return Err(bad(format!(
            "the image file holds no pixels ({n} images of {rows}×{cols})"
        )));
    }
    Ok((
        idx.data.iter().map(|&p| p as f32 / 255.0).collect(),
        rows,
        cols,
    ))
}

/// Labels from an IDX file.
pub fn read_labels(bytes: &[u8]) -> Result<Vec<u8>, Error> {
    let idx = read(bytes)?;
    if idx.dims.len() != 1 {
        return Err(bad(format!(
            "a label file has 1 dimension, this one has {}",
            idx.dims.len()
        )));
    }
    Ok(idx.data)
}

/// Writes an IDX array of bytes (plain).
pub fn write(dims: &[usize], data: &[u8]) -> Vec<u8> {
    let mut bytes = vec![0, 0, 0x08, dims.len() as u8];
    for &d in dims {
        bytes.extend_from_slice(&(d as u32).to_be_bytes());
    }
    bytes.extend_from_slice(data);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use std::io::Write;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn plain_and_gzip_read_the_same() {
        let pixels: Vec<u8> = (0..2 * 3 * 4).map(|i| (i * 10) as u8).collect();
        let file = write(&[2, 3, 4], &pixels);
        let (images, rows, cols) = read_images(&file).unwrap();
        assert_eq!((rows, cols, images.len()), (3, 4, 24));
        assert_eq!(images[5], 50.0 / 255.0);
        assert_eq!(read_images(&gzip(&file)).unwrap(), (images, 3, 4));
        assert_eq!(
            read_labels(&gzip(&write(&[3], &[7, 1, 9]))).unwrap(),
            vec![7, 1, 9]
        );
    }

    #[test]
    fn damaged_files_say_what_is_wrong() {
        let file = write(&[2, 2, 2], &[1; 8]);
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (vec![], "empty"),
            (file[..file.len() - 1].to_vec(), "truncated"),
            ([&[1u8, 0][..], &file[2..]].concat(), "magic"),
            ([&file[..2], &[0x0d][..], &file[3..]].concat(), "type 0x0d"),
            (write(&[8], &[1; 8]), "3 dimensions"),
            (gzip(&file)[..10].to_vec(), "gzip"),
        ];
        for (bytes, words) in cases {
            let message = read_images(&bytes).unwrap_err().to_string();
            assert!(message.contains(words), "{words}: {message}");
        }
    }

    #[test]
    fn gzip_members_are_all_read_and_trailing_bytes_refused() {
        let file = write(&[2, 2, 3], &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
        let (head, tail) = file.split_at(7);
        let members = [gzip(head), gzip(tail)].concat();
        assert_eq!(read_images(&members).unwrap(), read_images(&file).unwrap());
        let trailing = [gzip(&file), vec![0x00, 0x17, 0x2a]].concat();
        let message = read_images(&trailing).unwrap_err().to_string();
        assert!(message.contains("damaged"), "{message}");
    }

    #[test]
    fn a_gzip_bomb_is_stopped_at_the_limit() {
        let header = write(&[1, 1 << 14, 1 << 14], &[]);
        let mut encoder = GzEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(&header).unwrap();
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..(MAX_BYTES >> 20) + 2 {
            encoder.write_all(&zeros).unwrap();
        }
        let bomb = encoder.finish().unwrap();
        assert!(bomb.len() < 1 << 20);
        let message = read(&bomb).unwrap_err().to_string();
        assert!(message.contains("limit"), "{message}");
    }
}
