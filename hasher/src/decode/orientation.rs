//! EXIF orientation: turning the stored pixels the way the camera says the picture is meant to be seen.

use image::imageops;
use image::metadata::Orientation;
use zeroize::Zeroize;

use super::RgbImage;

type Buffer = image::ImageBuffer<image::Rgb<u8>, Vec<u8>>;

/// Applies `orientation` to `image`. Flips and the half turn work in place; quarter turns need a new buffer,
/// and the old one is zeroed before it is freed.
pub(super) fn apply(mut image: RgbImage, orientation: Orientation) -> RgbImage {
    if orientation == Orientation::NoTransforms {
        return image;
    }
    let pixels = std::mem::take(&mut image.pixels);
    let Some(mut buffer) = Buffer::from_raw(image.width, image.height, pixels) else {
        // Unreachable with our own decoders' output (pixels always hold width x height x 3 bytes).
        return image;
    };
    let quarter_turn = |buffer: Buffer, rotate: fn(&Buffer) -> Buffer| {
        let turned = rotate(&buffer);
        buffer.into_raw().zeroize();
        turned
    };
    buffer = match orientation {
        Orientation::NoTransforms => buffer,
        Orientation::Rotate90 => quarter_turn(buffer, imageops::rotate90),
        Orientation::Rotate270 => quarter_turn(buffer, imageops::rotate270),
        Orientation::Rotate180 => {
            imageops::rotate180_in_place(&mut buffer);
            buffer
        }
        Orientation::FlipHorizontal => {
            imageops::flip_horizontal_in_place(&mut buffer);
            buffer
        }
        Orientation::FlipVertical => {
            imageops::flip_vertical_in_place(&mut buffer);
            buffer
        }
        Orientation::Rotate90FlipH => {
            let mut turned = quarter_turn(buffer, imageops::rotate90);
            imageops::flip_horizontal_in_place(&mut turned);
            turned
        }
        Orientation::Rotate270FlipH => {
            let mut turned = quarter_turn(buffer, imageops::rotate270);
            imageops::flip_horizontal_in_place(&mut turned);
            turned
        }
    };
    RgbImage { width: buffer.width(), height: buffer.height(), pixels: buffer.into_raw() }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2x1 image: red, green.
    fn red_green() -> RgbImage {
        RgbImage { width: 2, height: 1, pixels: vec![255, 0, 0, 0, 255, 0] }
    }

    #[test]
    fn quarter_turn_swaps_the_sides() {
        let turned = apply(red_green(), Orientation::Rotate90);
        assert_eq!((turned.width, turned.height), (1, 2));
        // Clockwise: the left pixel ends on top.
        assert_eq!(turned.pixels, [255, 0, 0, 0, 255, 0]);
        let turned = apply(red_green(), Orientation::Rotate270);
        assert_eq!(turned.pixels, [0, 255, 0, 255, 0, 0]);
    }

    #[test]
    fn flips_and_half_turn_keep_the_sides() {
        for o in [Orientation::FlipHorizontal, Orientation::Rotate180] {
            let flipped = apply(red_green(), o);
            assert_eq!((flipped.width, flipped.height), (2, 1));
            assert_eq!(flipped.pixels, [0, 255, 0, 255, 0, 0]);
        }
        assert_eq!(apply(red_green(), Orientation::FlipVertical).pixels, red_green().pixels);
        assert_eq!(apply(red_green(), Orientation::NoTransforms).pixels, red_green().pixels);
    }

    #[test]
    fn transposes_are_a_turn_and_a_flip() {
        let t = apply(red_green(), Orientation::Rotate90FlipH);
        assert_eq!((t.width, t.height, t.pixels.clone()), (1, 2, vec![255, 0, 0, 0, 255, 0]));
        let t = apply(red_green(), Orientation::Rotate270FlipH);
        assert_eq!((t.width, t.height, t.pixels.clone()), (1, 2, vec![0, 255, 0, 255, 0, 0]));
    }
}
