#include "server/http/PlainGet.h"

#include "server/http/RequestStreamReader.h"

namespace fp {

namespace {

// Characters whose path reads the same encoded and decoded (RFC 3986 unreserved, and '/').
bool isPlainPathChar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~' || c == '/';
}

// A host name or address with an optional port, which QUrl::setAuthority takes as it is.
bool isPlainHostChar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == ':' || c == '[' || c == ']';
}

bool isPlainPath(QByteArrayView path)
{
    if (!path.startsWith('/'))
        return false;
    for (char c : path) {
        if (!isPlainPathChar(c))
            return false;
    }
    // "." and ".." segments are for QUrl to interpret, not us.
    qsizetype start = 1;
    while (start <= path.size()) {
        qsizetype end = path.indexOf('/', start);
        if (end < 0)
            end = path.size();
        const QByteArrayView segment = path.sliced(start, end - start);
        if (segment == "." || segment == "..")
            return false;
        start = end + 1;
    }
    return true;
}

} // namespace

std::optional<PlainGet> readPlainGet(QByteArrayView head)
{
    if (!head.startsWith("GET /") || !head.endsWith("\r\n\r\n"))
        return std::nullopt;
    const QByteArrayView lines = head.first(head.size() - 2); // every line keeps its CRLF
    qsizetype lineEnd = lines.indexOf("\r\n");
    const QByteArrayView requestLine = lines.first(lineEnd);
    if (requestLine.contains('\n'))
        return std::nullopt;
    const qsizetype targetEnd = requestLine.indexOf(' ', 4);
    if (targetEnd < 0)
        return std::nullopt;
    const QByteArrayView version = requestLine.sliced(targetEnd + 1);
    const QByteArrayView path = requestLine.sliced(4, targetEnd - 4);
    if ((version != "HTTP/1.1" && version != "HTTP/1.0") || !isPlainPath(path))
        return std::nullopt;

    PlainGet get;
    get.path = QString::fromLatin1(path);
    qsizetype start = lineEnd + 2;
    while (start < lines.size()) {
        lineEnd = lines.indexOf("\r\n", start);
        const QByteArrayView line = lines.sliced(start, lineEnd - start);
        start = lineEnd + 2;
        QString problem;
        // Lines end at CRLF here; a bare LF, which the reader refuses, is declined too.
        const std::optional<HeaderField> field =
            line.contains('\n') ? std::nullopt : readHeaderField(line, &problem);
        if (!field)
            return std::nullopt;
        QByteArray name = field->name.toByteArray().toLower();
        QByteArray value = field->value.toByteArray();
        if (name == "host") {
            for (char c : std::as_const(value)) {
                if (!isPlainHostChar(c))
                    return std::nullopt;
            }
        }
        get.headers.append({std::move(name), std::move(value)});
    }
    return get;
}

} // namespace fp
