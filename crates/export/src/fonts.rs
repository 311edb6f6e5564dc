//! Finding a font for Chinese PDFs. A PDF must carry its font, and a reply letter needs one
//! that covers Simplified Chinese; Debian's fonts-noto-cjk is the usual source. Its files are
//! collections holding the same design for several regions (SC, TC, HK, JP, KR) whose glyphs for
//! a few characters differ, so the face index matters as much as the path.

use skrifa::raw::FileRef;
use skrifa::string::StringId;
use skrifa::{FontRef, MetadataProvider};
use std::path::{Path, PathBuf};

/// Where Debian (fonts-noto-cjk) and a few other distributions put Noto CJK, serif first:
/// Song-style type is what official letters are printed in.
pub const SYSTEM_CJK_FONTS: &[&str] = &[
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
];

/// The font file and face index to embed: the configured file if one is given, else the first
/// system Noto CJK font found. A configured file that cannot be read as a font gives `None`
/// rather than a silent fallback, so that a wrong setting shows up.
pub fn find_cjk_font(configured: Option<&Path>) -> Option<(PathBuf, u32)> {
    match configured {
        Some(path) => probe(path),
        None => SYSTEM_CJK_FONTS.iter().find_map(|p| probe(Path::new(p))),
    }
}

fn probe(path: &Path) -> Option<(PathBuf, u32)> {
    let data = std::fs::read(path).ok()?;
    face_index(&data).map(|i| (path.to_path_buf(), i))
}

/// The face of a font file to use for Simplified Chinese: in a collection, the face whose
/// family name ends in "SC" (Noto Serif CJK SC), else the first face that has Chinese
/// characters, else the first face; a single font is face 0. `None` if the data is no font.
pub fn face_index(data: &[u8]) -> Option<u32> {
    match FileRef::new(data).ok()? {
        FileRef::Font(_) => Some(0),
        FileRef::Collection(collection) => {
            let faces: Vec<(u32, FontRef<'_>)> =
                (0..collection.len()).filter_map(|i| collection.get(i).ok().map(|f| (i, f))).collect();
            faces
                .iter()
                .find(|(_, f)| is_simplified_chinese(f))
                .or_else(|| faces.iter().find(|(_, f)| covers_chinese(f)))
                .or(faces.first())
                .map(|(i, _)| *i)
        }
    }
}

fn family_names<'a>(font: &FontRef<'a>) -> impl Iterator<Item = String> + 'a {
    let typographic = font.localized_strings(StringId::TYPOGRAPHIC_FAMILY_NAME);
    let legacy = font.localized_strings(StringId::FAMILY_NAME);
    typographic.chain(legacy).map(|s| s.to_string())
}

fn is_simplified_chinese(font: &FontRef<'_>) -> bool {
    covers_chinese(font) && family_names(font).any(|name| name.trim_end().ends_with(" SC"))
}

fn covers_chinese(font: &FontRef<'_>) -> bool {
    let charmap = font.charmap();
    "国务院".chars().all(|c| charmap.map(c).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_simplified_chinese_face() {
        let Some((path, index)) = find_cjk_font(None) else {
            eprintln!("note: no Noto CJK font installed (apt-get install fonts-noto-cjk); skipping");
            return;
        };
        let data = std::fs::read(&path).unwrap();
        let font = match FileRef::new(&data).unwrap() {
            FileRef::Collection(c) => c.get(index).unwrap(),
            FileRef::Font(f) => f,
        };
        let names: Vec<String> = family_names(&font).collect();
        assert!(names.iter().any(|n| n.contains("CJK SC")), "{path:?} face {index}: {names:?}");
        assert_eq!(find_cjk_font(Some(&path)), Some((path.clone(), index)), "a configured path is used as is");
    }

    #[test]
    fn a_bad_configured_path_is_not_replaced() {
        assert_eq!(find_cjk_font(Some(Path::new("/nonexistent/font.ttc"))), None);
        let not_a_font = std::env::temp_dir().join(format!("gongkai-not-a-font-{}.ttf", std::process::id()));
        std::fs::write(&not_a_font, b"plain text").unwrap();
        assert_eq!(find_cjk_font(Some(&not_a_font)), None);
        std::fs::remove_file(&not_a_font).unwrap();
        assert_eq!(face_index(b""), None);
    }
}
