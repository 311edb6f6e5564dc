#!/usr/bin/env bash
# Makes the CJK font compiled into the binary for PDF letters (crates/export/fonts/): Noto Serif
# CJK SC Regular (SIL OFL 1.1, Debian's fonts-noto-cjk) cut down to GB 2312, ASCII and the CJK
# punctuation official letters use. The whole collection is 26 MB; the subset is about 2 MB, small
# enough to carry in every binary so that a server without fonts still writes PDF letters.
# A letter with a character outside the subset uses the system's Noto CJK or `letter_font` instead.
#   bash tools/subset-letter-font.sh      # needs python3 with fonttools (pip install fonttools)
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=${SRC:-/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc}
OUT=crates/export/fonts/gongkai-serif-sc-gb2312.otf
chars=$(mktemp)
trap 'rm -f "$chars"' EXIT
python3 - "$chars" <<'PY'
import sys
chars = set()
for b1 in range(0xA1, 0xF8):          # GB 2312: symbols and both levels of hanzi
    for b2 in range(0xA1, 0xFF):
        try:
            chars.add(bytes([b1, b2]).decode("gb2312"))
        except UnicodeDecodeError:
            pass
chars.update(map(chr, range(0x20, 0x7F)))       # ASCII
chars.update(map(chr, range(0x3000, 0x3040)))   # CJK symbols and punctuation
chars.update(map(chr, range(0xFF01, 0xFF5F)))   # full-width forms
chars.update("〔〕—–…‘’“”·•×÷±≤≥№℃‰§")        # 文号 brackets, dashes and marks letters use
open(sys.argv[1], "w", encoding="utf-8").write("".join(sorted(chars)))
PY
# Face 2 of the collection is the Simplified Chinese one (Noto Serif CJK SC).
pyftsubset "$SRC" --font-number=2 --text-file="$chars" --output-file="$OUT" --layout-features='' --no-hinting
ls -l "$OUT"
