#include "server/media/ImageSanitizer.h"

#include <QBuffer>
#include <QColorSpace>
#include <QImage>
#include <QImageReader>
#include <QImageWriter>
#include <QJsonObject>
#include <QSemaphore>

namespace fp {

namespace {

constexpr int kDecodeSlots = 2;

AppError imageProblem(const QString &problem)
{
    return AppError::validation({{QStringLiteral("image"), problem}},
                                QStringLiteral("The image cannot be used"));
}

QByteArray formatName(ImageFormat format)
{
    switch (format) {
    case ImageFormat::Jpeg:
        return "jpeg";
    case ImageFormat::Png:
        return "png";
    case ImageFormat::Webp:
        return "webp";
    }
    return {};
}

/// A copy of `source` (any format) as opaque RGB32 on white, holding nothing but pixels: no
/// text keys, no colour space, no offsets a writer could carry into the file.
QImage opaquePixels(const QImage &source)
{
    const QImage premultiplied = source.convertToFormat(QImage::Format_ARGB32_Premultiplied);
    QImage out(premultiplied.size(), QImage::Format_RGB32);
    for (int y = 0; y < premultiplied.height(); ++y) {
        const auto *in = reinterpret_cast<const QRgb *>(premultiplied.constScanLine(y));
        auto *line = reinterpret_cast<QRgb *>(out.scanLine(y));
        for (int x = 0; x < premultiplied.width(); ++x) {
            const QRgb p = in[x];
            const int under = 255 - qAlpha(p); // white shows through what is transparent
            line[x] = qRgb(qRed(p) + under, qGreen(p) + under, qBlue(p) + under);
        }
    }
    return out;
}

} // namespace

std::optional<ImageFormat> ImageSanitizer::sniff(const QByteArray &bytes)
{
    if (bytes.startsWith("\xFF\xD8\xFF"))
        return ImageFormat::Jpeg;
    if (bytes.startsWith("\x89PNG\r\n\x1A\n"))
        return ImageFormat::Png;
    if (bytes.size() >= 12 && bytes.startsWith("RIFF") && bytes.mid(8, 4) == "WEBP")
        return ImageFormat::Webp;
    return std::nullopt;
}

QStringList ImageSanitizer::missingFormats()
{
    QStringList missing;
    const QList<QByteArray> readable = QImageReader::supportedImageFormats();
    const QList<QByteArray> writable = QImageWriter::supportedImageFormats();
    for (const char *format : {"jpeg", "png", "webp"}) {
        if (!readable.contains(QByteArray(format)))
            missing << QStringLiteral("%1 (read)").arg(QLatin1String(format));
        if (!writable.contains(QByteArray(format)))
            missing << QStringLiteral("%1 (write)").arg(QLatin1String(format));
    }
    return missing;
}

Result<QList<QByteArray>> ImageSanitizer::squareJpegs(const QByteArray &bytes,
                                                      const QList<int> &sizes,
                                                      const ImageLimits &limits)
{
    const std::optional<ImageFormat> format = sniff(bytes);
    if (!format)
        return AppError {
            ErrorCode::UnsupportedMediaType, QStringLiteral("Send a JPEG, PNG or WebP image"), {}};

    // Decoding takes memory in proportion to the pixels: only a few at a time per process,
    // whatever the number of workers.
    static QSemaphore decodeSlots(kDecodeSlots);
    if (!decodeSlots.tryAcquire(1, limits.slotWaitMs))
        return AppError::unavailable(
            QStringLiteral("Too many images are being processed, try again"), 2);
    const QSemaphoreReleaser release(decodeSlots);

    QBuffer buffer;
    buffer.setData(bytes);
    buffer.open(QIODevice::ReadOnly);
    QImageReader reader(&buffer, formatName(*format));
    reader.setDecideFormatFromContent(false);
    // The header's size first: nothing is allocated for an image refused here.
    const QSize announced = reader.size();
    if (!announced.isValid() || announced.isEmpty())
        return imageProblem(QStringLiteral("The image header could not be read"));
    const qint64 pixels = qint64(announced.width()) * qint64(announced.height());
    if (pixels > limits.maxPixels)
        return imageProblem(QStringLiteral("The image is %1x%2 pixels; at most %3 pixels are "
                                           "accepted")
                                .arg(announced.width())
                                .arg(announced.height())
                                .arg(limits.maxPixels));
    // And the decoder's own cap, should a file's data disagree with its header: 4 bytes a pixel
    // of the limit, in MiB, rounded up.
    reader.setAllocationLimit(int((limits.maxPixels * 4 + (1 << 20) - 1) >> 20));
    reader.setAutoTransform(true); // EXIF orientation applied before the EXIF is dropped
    QImage image;
    if (!reader.read(&image) || image.isNull())
        return imageProblem(
            QStringLiteral("The image could not be decoded: %1").arg(reader.errorString()));
    if (image.colorSpace().isValid() && image.colorSpace() != QColorSpace(QColorSpace::SRgb))
        image.convertToColorSpace(QColorSpace::SRgb);

    const int side = qMin(image.width(), image.height());
    const QImage square =
        image.copy((image.width() - side) / 2, (image.height() - side) / 2, side, side);
    image = QImage(); // the full-size decode is no longer needed

    QList<QByteArray> encoded;
    for (const int size : sizes) {
        const QImage scaled = opaquePixels(
            square.scaled(size, size, Qt::IgnoreAspectRatio, Qt::SmoothTransformation));
        QByteArray out;
        QBuffer sink(&out);
        sink.open(QIODevice::WriteOnly);
        QImageWriter writer(&sink, "jpeg");
        writer.setQuality(85);
        if (!writer.write(scaled))
            return imageProblem(QStringLiteral("The image could not be encoded again: %1")
                                    .arg(writer.errorString()));
        encoded << out;
    }
    return encoded;
}

} // namespace fp
