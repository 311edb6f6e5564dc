//! Photos of live broadcasts, read in the child: only JPEG and PNG, at most [`MAX_PIXELS`]
//! before decoding (so a small file claiming a huge image is refused without allocating it),
//! turned upright by their orientation tag, scaled to at most [`MAX_WIDTH`] pixels wide and
//! re-encoded as JPEG, which leaves every other tag (the camera, the place) behind.

use crate::Photo;
use base64::Engine;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader};
use std::io::Cursor;

/// The widest photo kept, in pixels: sharp on a desktop, light on a phone.
pub const MAX_WIDTH: u32 = 1600;
/// The most pixels a photo may claim (a 48-megapixel phone camera fits).
pub const MAX_PIXELS: u64 = 50_000_000;

/// The photo made fit to show, or why it is refused (for the person, in Chinese).
pub fn read(input: &[u8]) -> Result<Photo, String> {
    let refused = || "只接受 JPEG 或 PNG 格式的照片".to_string();
    let reader = ImageReader::new(Cursor::new(input)).with_guessed_format().map_err(|_| refused())?;
    if !matches!(reader.format(), Some(ImageFormat::Jpeg | ImageFormat::Png)) {
        return Err(refused());
    }
    let mut decoder = reader.into_decoder().map_err(|_| "无法读取该图片，文件可能已损坏".to_string())?;
    let (w, h) = decoder.dimensions();
    if u64::from(w) * u64::from(h) > MAX_PIXELS || w == 0 || h == 0 {
        return Err(format!("图片尺寸过大（{w}×{h}），请上传不超过 5000 万像素的照片"));
    }
    let orientation = decoder.orientation().map_err(|_| "无法读取该图片".to_string())?;
    let mut img = DynamicImage::from_decoder(decoder).map_err(|_| "无法读取该图片，文件可能已损坏".to_string())?;
    img.apply_orientation(orientation);
    if img.width() > MAX_WIDTH {
        let height = (u64::from(img.height()) * u64::from(MAX_WIDTH) / u64::from(img.width())).max(1);
        img = img.resize_exact(MAX_WIDTH, u32::try_from(height).unwrap_or(1), image::imageops::FilterType::Triangle);
    }
    let rgb = DynamicImage::ImageRgb8(img.to_rgb8());
    let mut out = Vec::new();
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 82);
    rgb.write_with_encoder(encoder).map_err(|e| format!("图片无法保存：{e}"))?;
    Ok(Photo {
        content_type: "image/jpeg".into(),
        width: rgb.width(),
        height: rgb.height(),
        base64: base64::engine::general_purpose::STANDARD.encode(&out),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = DynamicImage::new_rgb8(w, h);
        let mut out = Vec::new();
        img.write_to(&mut Cursor::new(&mut out), ImageFormat::Png).expect("png");
        out
    }

    #[test]
    fn a_wide_photo_is_scaled_and_becomes_jpeg() {
        let p = read(&png(3200, 1200)).expect("a photo");
        assert_eq!((p.content_type.as_str(), p.width, p.height), ("image/jpeg", MAX_WIDTH, 600));
        let bytes = base64::engine::general_purpose::STANDARD.decode(&p.base64).expect("base64");
        assert_eq!(image::guess_format(&bytes).expect("format"), ImageFormat::Jpeg);
        let small = read(&png(800, 600)).expect("a small photo");
        assert_eq!((small.width, small.height), (800, 600), "a small one keeps its size");
    }

    #[test]
    fn what_is_not_a_photo_is_refused_in_words() {
        for bad in [b"GIF89a....".to_vec(), b"%PDF-1.7".to_vec(), vec![], png(10, 10)[..30].to_vec()] {
            let e = read(&bad).expect_err("refused");
            assert!(e.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{e}");
        }
    }

    #[test]
    fn a_huge_claimed_size_is_refused_before_decoding() {
        // A PNG header claiming 100000 × 100000 pixels, with nothing behind it.
        let mut bomb = png(1, 1);
        bomb[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        let e = read(&bomb).expect_err("refused");
        assert!(e.contains("尺寸过大") || e.contains("无法读取"), "{e}");
    }
}
