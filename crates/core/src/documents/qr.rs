//! QR codes drawn as vector rectangles (one per run of dark modules in a row), so they print
//! sharp at any printer resolution and need no image support in the PDF writer.

use super::pdf::{Colour, Layout};
use crate::error::{CoreError, Result};
use qrcode::{Color, EcLevel, QrCode};

/// Light modules around the code that scanners need to find it.
const QUIET_ZONE: usize = 4;

/// Draws a QR code of `data`, `size` mm square including its quiet zone, with its top-left corner
/// at `x` and `top` (mm from the page's top).
pub(crate) fn draw(layout: &mut Layout, data: &str, x: f32, top: f32, size: f32) -> Result<()> {
    // Level M survives a crease or a smudge across about 15 % of the code.
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M)
        .map_err(|e| CoreError::DocumentFailed(format!("QR code of {data}: {e}")))?;
    let width = code.width();
    let module = size / (width + 2 * QUIET_ZONE) as f32;
    let colours = code.to_colors();
    // Paper white under the code and its quiet zone, so a watermark never reaches the scanner.
    layout.rect(x, top, size, size, Colour::WHITE);
    for (row, modules) in colours.chunks(width).enumerate() {
        let mut column = 0;
        while column < width {
            if modules[column] != Color::Dark {
                column += 1;
                continue;
            }
            let start = column;
            while column < width && modules[column] == Color::Dark {
                column += 1;
            }
            // A hair of overlap so no white seams show between neighbouring runs.
            layout.rect(
                x + (QUIET_ZONE + start) as f32 * module,
                top + (QUIET_ZONE + row) as f32 * module,
                (column - start) as f32 * module + 0.01,
                module + 0.01,
                Colour::BLACK,
            );
        }
    }
    Ok(())
}
