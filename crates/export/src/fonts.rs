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

/// The font compiled into every binary, so that a server with no fonts installed (an air-gapped
/// intranet host, a container) still writes PDF letters: Noto Serif CJK SC cut down to GB 2312 and
/// the punctuation letters use (`tools/subset-letter-font.sh`, SIL OFL 1.1, `fonts/OFL.txt`).
/// A name with a rarer character needs a full font; see [`covers`].
pub const EMBEDDED_CJK_FONT: &[u8] = include_bytes!("../fonts/gongkai-serif-sc-gb2312.otf");

/// The characters of `text` (whitespace aside) that face `index` of `data` has no glyph for, in
/// order of first appearance: an empty list means the font can set the text.
pub fn missing_chars(data: &[u8], index: u32, text: &str) -> Vec<char> {
    let font = match FileRef::new(data) {
        Ok(FileRef::Font(f)) if index == 0 => Some(f),
        Ok(FileRef::Collection(c)) => c.get(index).ok(),
        _ => None,
    };
    let mut missing: Vec<char> = Vec::new();
    for c in text.chars().filter(|c| !c.is_whitespace()) {
        let has = font.as_ref().is_some_and(|f| f.charmap().map(c).is_some());
        if !has && !missing.contains(&c) {
            missing.push(c);
        }
    }
    missing
}

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
    fn the_compiled_in_font_sets_official_letters() {
        assert_eq!(face_index(EMBEDDED_CJK_FONT), Some(0));
        // The 文号 brackets, full-width punctuation and digits, then every GB 2312 hanzi.
        let sample = "济南市人民政府办公厅关于政府信息公开申请的答复告知书（济政办〔2026〕12号）：“”、；？！《》—…０１２ABCabc123";
        assert_eq!(missing_chars(EMBEDDED_CJK_FONT, 0, sample), Vec::<char>::new());
        let gb2312_hanzi = (0xB0..=0xF7u8)
            .flat_map(|hi| (0xA1..=0xFEu8).map(move |lo| [hi, lo]))
            .filter_map(|b| {
                encoding_rs::GBK.decode_without_bom_handling_and_without_replacement(&b).map(|s| s.into_owned())
            })
            // The last five cells of row 0xD7 are empty in GB 2312; GBK decodes them to private use.
            .filter(|s| s.chars().all(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c)))
            .collect::<String>();
        assert!(gb2312_hanzi.chars().count() > 6700, "{}", gb2312_hanzi.chars().count());
        assert_eq!(missing_chars(EMBEDDED_CJK_FONT, 0, &gb2312_hanzi), Vec::<char>::new());
        // 䶮 (CJK Extension A, as in some given names) is outside GB 2312: reported, once.
        assert_eq!(missing_chars(EMBEDDED_CJK_FONT, 0, "刘䶮 刘䶮"), vec!['䶮']);
        assert_eq!(missing_chars(b"not a font", 0, "国"), vec!['国']);
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
