#pragma once

// Untrusted images made safe to store and serve: the format is read from the magic bytes (not
// from what the client declared), the header's size is checked against a pixel limit before
// anything is decoded, the decoder's own allocation is capped too, and the pixels are encoded
// again into fresh JPEGs, so nothing of the upload but its picture survives (no EXIF or GPS,
// no comments or colour-profile tricks, no bytes after the image). Decodes are few at a time
// per process, each bounded in memory.

#include "common/Result.h"

#include <QByteArray>
#include <QList>
#include <QStringList>
#include <optional>

namespace fp {

enum class ImageFormat { Jpeg, Png, Webp };

struct ImageLimits
{
    qint64 maxPixels = 40'000'000;
    /// How long an upload waits for one of the few decoding slots before a 503.
    int slotWaitMs = 10000;
};

namespace ImageSanitizer {
/// The format the bytes start like, or nothing.
std::optional<ImageFormat> sniff(const QByteArray &bytes);
/// The formats this Qt can decode and encode here ("jpeg", "png", "webp" expected); the
/// server refuses to start without them (Application::start).
QStringList missingFormats();
/// The image decoded within `limits`, centre-cropped to a square and scaled to each of
/// `sizes`, each encoded as a baseline JPEG (alpha composited on white). 415 for bytes of no
/// accepted format, 400 (`image`) for too many pixels or what does not decode.
Result<QList<QByteArray>> squareJpegs(const QByteArray &bytes, const QList<int> &sizes,
                                      const ImageLimits &limits);
} // namespace ImageSanitizer

} // namespace fp
