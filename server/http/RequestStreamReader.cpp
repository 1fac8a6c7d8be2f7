#include "server/http/RequestStreamReader.h"

#include <algorithm>
#include <cstring>

#include <QList>
#include <optional>

namespace fp {

namespace {

// Methods Qt's parser knows and our routes may answer. CONNECT is left out on purpose: Qt's
// parser treats whatever follows it as another protocol.
bool knownMethod(QByteArrayView method)
{
    static constexpr QByteArrayView methods[] {"GET",    "HEAD",  "POST",  "PUT",
                                               "DELETE", "PATCH", "TRACE", "OPTIONS"};
    return std::find(std::begin(methods), std::end(methods), method) != std::end(methods);
}

bool isTokenChar(char c)
{
    static const QByteArray extra("!#$%&'*+-.^_`|~");
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
        extra.contains(c);
}

bool isToken(QByteArrayView text)
{
    if (text.isEmpty())
        return false;
    for (const char c : text) {
        if (!isTokenChar(c))
            return false;
    }
    return true;
}

// The request line and chunk extensions: visible characters, spaces, tabs and obs-text;
// never a control character.
bool isFieldText(QByteArrayView text)
{
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && c != '\t') || u == 0x7f)
            return false;
    }
    return true;
}

// A request target as RFC 3986 writes it (anything else percent-encoded), so that Qt's URL
// parser and ours never disagree about where it ends.
bool isTargetText(QByteArrayView target)
{
    static const QByteArray allowed("-._~:/?[]@!$&'()*+,;=%");
    for (const char c : target) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              allowed.contains(c)))
            return false;
    }
    return true;
}

int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/// Whether a header name is `lowerCaseName`, in any case.
bool named(QByteArrayView name, QByteArrayView lowerCaseName)
{
    return name.compare(lowerCaseName, Qt::CaseInsensitive) == 0;
}

} // namespace

std::optional<HeaderField> readHeaderField(QByteArrayView line, QString *problem)
{
    if (line.startsWith(' ') || line.startsWith('\t')) {
        *problem = QStringLiteral("Folded header lines are not accepted");
        return std::nullopt;
    }
    const qsizetype colon = line.indexOf(':');
    const QByteArrayView name = colon > 0 ? line.first(colon) : QByteArrayView();
    if (!isToken(name)) {
        *problem = QStringLiteral("A header line is not 'Name: value'");
        return std::nullopt;
    }
    const QByteArrayView value = line.sliced(colon + 1);
    // A bare CR (or a NUL, where C parsers stop reading) in a value is how one message is read
    // as two; other control characters are left to the handlers, as Qt's parser leaves them
    // (a User-Agent with one still logs in, its device label cleaned).
    if (value.contains('\r') || value.contains('\0')) {
        *problem =
            QStringLiteral("Header %1 holds a CR or NUL character").arg(QString::fromLatin1(name));
        return std::nullopt;
    }
    return HeaderField {name, value.trimmed()};
}

RequestStreamReader::Phase RequestStreamReader::phase() const
{
    switch (m_state) {
    case State::Head:
        return m_head.isEmpty() ? Phase::BetweenRequests : Phase::Head;
    case State::FrameHeader:
    case State::FramePayload:
        return Phase::WebSocket;
    default:
        return Phase::Body;
    }
}

RequestStreamReader::Verdict RequestStreamReader::refuse(Verdict verdict, const QString &field,
                                                         const QString &problem)
{
    m_field = field;
    m_problem = problem;
    return verdict;
}

RequestStreamReader::Verdict RequestStreamReader::feed(QByteArrayView bytes)
{
    m_completedInThisFeed = false;
    qsizetype at = 0;
    while (at < bytes.size()) {
        Verdict verdict = Verdict::Continue;
        switch (m_state) {
        case State::Body: {
            const qint64 take = qMin<qint64>(m_bodyRemaining, bytes.size() - at);
            m_bodyRemaining -= take;
            at += take;
            if (m_bodyRemaining == 0)
                completeRequest();
            continue;
        }
        case State::ChunkData: {
            const qint64 take = qMin<qint64>(m_bodyRemaining, bytes.size() - at);
            m_bodyRemaining -= take;
            m_bodyRaw += take;
            at += take;
            if (m_bodyRemaining == 0) {
                m_state = State::ChunkDataEnd;
                m_chunkDataEndSeen = 0;
            }
            continue;
        }
        case State::FramePayload: {
            const qint64 take = qMin<qint64>(m_bodyRemaining, bytes.size() - at);
            m_bodyRemaining -= take;
            at += take;
            if (m_bodyRemaining == 0)
                m_state = State::FrameHeader;
            continue;
        }
        case State::Head:
            if (!m_completedInThisFeed) {
                // Only a line's end needs a decision: the bytes before it go in at once (a head
                // byte at a time was a sixth of the I/O thread's work, issue #16).
                const char *from = bytes.data() + at;
                const auto *end =
                    static_cast<const char *>(std::memchr(from, '\n', size_t(bytes.size() - at)));
                const qsizetype run = end ? end - from : bytes.size() - at;
                // A run that would pass the limit goes byte by byte, refused where it passes it.
                if (run > 0 && m_head.size() + run <= kMaxHeadBytes) {
                    m_head.append(from, run);
                    at += run;
                    continue;
                }
            }
            if (m_completedInThisFeed && bytes[at] != '\r' && bytes[at] != '\n') {
                // Qt 6.4 parses whatever arrived at once in one go and hands over only the
                // last request: a request that arrives with the end of the one before would
                // be read differently by the two.
                return refuse(Verdict::Malformed, QStringLiteral("request_line"),
                              QStringLiteral("Pipelined requests are not supported: send the next "
                                             "request after the answer to this one"));
            }
            verdict = readHeadByte(bytes[at]);
            break;
        case State::ChunkSize: {
            ++m_bodyRaw;
            std::optional<QByteArrayView> line;
            verdict = takeLineByte(bytes[at], kMaxChunkLineBytes, QStringLiteral("body"),
                                   QStringLiteral("chunk-size line"), &line);
            if (verdict == Verdict::Continue && line) {
                verdict = readChunkSizeLine(*line); // before the line's bytes are dropped
                m_head.clear();
                m_lineStart = 0;
            }
            break;
        }
        case State::ChunkDataEnd: {
            const char expected = m_chunkDataEndSeen == 0 ? '\r' : '\n';
            ++m_bodyRaw;
            if (bytes[at] != expected)
                return refuse(Verdict::Malformed, QStringLiteral("body"),
                              QStringLiteral("Chunk data must be followed by CRLF"));
            if (++m_chunkDataEndSeen == 2)
                m_state = State::ChunkSize;
            break;
        }
        case State::Trailers:
            ++m_bodyRaw;
            verdict = readTrailerByte(bytes[at]);
            break;
        case State::FrameHeader:
            verdict = readFrameHeaderByte(bytes[at]);
            break;
        }
        ++at;
        if (verdict != Verdict::Continue)
            return verdict;
        // Chunk framing is bounded too: Qt keeps the raw bytes until the request is complete.
        if (m_bodyRaw > 2 * m_bodyLimit + kMaxHeadBytes)
            return refuse(Verdict::BodyTooLarge, QStringLiteral("body"),
                          QStringLiteral("The chunked body's framing is too large"));
    }
    return Verdict::Continue;
}

RequestStreamReader::Verdict RequestStreamReader::takeLineByte(char c, qsizetype maxBytes,
                                                               const QString &field,
                                                               const QString &what,
                                                               std::optional<QByteArrayView> *line)
{
    m_head.append(c);
    if (m_head.size() > maxBytes)
        return refuse(maxBytes == kMaxHeadBytes ? Verdict::HeadTooLarge : Verdict::Malformed, field,
                      QStringLiteral("The %1 is larger than %2 bytes").arg(what).arg(maxBytes));
    if (c != '\n')
        return Verdict::Continue;
    // Qt's parser also takes a bare LF as a line end; a CRLF-only reading is the strict one,
    // and refusing the other keeps the two from seeing different messages.
    if (m_head.size() < 2 || m_head[m_head.size() - 2] != '\r')
        return refuse(Verdict::Malformed, field,
                      QStringLiteral("Lines of the %1 must end with CRLF").arg(what));
    *line = QByteArrayView(m_head).sliced(m_lineStart, m_head.size() - 2 - m_lineStart);
    m_lineStart = m_head.size();
    return Verdict::Continue;
}

QByteArray RequestStreamReader::requestIdAmong(const QList<QByteArrayView> &lines)
{
    for (const QByteArrayView line : lines) {
        QString problem;
        const std::optional<HeaderField> field = readHeaderField(line, &problem);
        if (field && named(field->name, "x-request-id"))
            return field->value.toByteArray();
    }
    return {};
}

RequestStreamReader::Verdict RequestStreamReader::readHeadByte(char c)
{
    std::optional<QByteArrayView> line;
    const Verdict verdict = takeLineByte(c, kMaxHeadBytes, QStringLiteral("header"),
                                         QStringLiteral("request head"), &line);
    if (verdict != Verdict::Continue) {
        // Refused while the head was read: its complete lines may still name the request.
        QList<QByteArrayView> lines;
        for (const auto &[start, length] : std::as_const(m_headLines))
            lines.append(QByteArrayView(m_head).sliced(start, length));
        m_clientRequestId = requestIdAmong(lines);
        return verdict;
    }
    if (!line)
        return verdict;
    const qsizetype lineLength = line->size();
    // Where the line is, not a view of it: the head's buffer may move as it grows.
    m_headLines.append({line->data() - m_head.constData(), lineLength});
    if (lineLength > 0) {
        m_headHasRequestLine = true;
        return Verdict::Continue;
    }
    if (!m_headHasRequestLine) {
        // Empty lines before a request line are allowed (some clients send one after a body).
        if (m_head.size() > 8)
            return refuse(Verdict::Malformed, QStringLiteral("request_line"),
                          QStringLiteral("Too many empty lines before the request line"));
        return Verdict::Continue;
    }
    const QByteArray head = m_head;
    QList<QByteArrayView> lines;
    lines.reserve(m_headLines.size());
    for (const auto &[start, length] : std::as_const(m_headLines))
        lines.append(QByteArrayView(head).sliced(start, length));
    m_lastHeadBytes = head.size();
    m_head.clear();
    m_headLines.clear();
    m_lineStart = 0;
    m_headHasRequestLine = false;
    const Verdict read = startRequest(lines);
    if (read != Verdict::Continue)
        m_clientRequestId = requestIdAmong(lines); // read only for a refusal, which is rare
    return read;
}

RequestStreamReader::Verdict RequestStreamReader::startRequest(QList<QByteArrayView> lines)
{
    while (!lines.isEmpty() && lines.first().isEmpty())
        lines.removeFirst();
    while (!lines.isEmpty() && lines.last().isEmpty())
        lines.removeLast();
    if (lines.isEmpty())
        return refuse(Verdict::Malformed, QStringLiteral("request_line"),
                      QStringLiteral("The request line is missing"));

    const QByteArrayView requestLine = lines.takeFirst();
    // Exactly three parts between single spaces.
    const qsizetype firstSpace = requestLine.indexOf(' ');
    const qsizetype secondSpace = firstSpace < 0 ? -1 : requestLine.indexOf(' ', firstSpace + 1);
    if (secondSpace < 0 || requestLine.indexOf(' ', secondSpace + 1) >= 0 ||
        !isFieldText(requestLine) || requestLine.contains('\t'))
        return refuse(Verdict::Malformed, QStringLiteral("request_line"),
                      QStringLiteral("The request line is not 'METHOD /path HTTP/1.1'"));
    const QByteArrayView method = requestLine.first(firstSpace);
    const QByteArrayView target = requestLine.sliced(firstSpace + 1, secondSpace - firstSpace - 1);
    const QByteArrayView version = requestLine.sliced(secondSpace + 1);
    if (!knownMethod(method))
        return refuse(
            Verdict::Malformed, QStringLiteral("request_line"),
            QStringLiteral("Method %1 is not supported").arg(QString::fromLatin1(method)));
    if (version != "HTTP/1.1" && version != "HTTP/1.0")
        return refuse(Verdict::Malformed, QStringLiteral("request_line"),
                      QStringLiteral("Only HTTP/1.1 and HTTP/1.0 are spoken here"));
    if (!(target.startsWith('/') || (target == "*" && method == "OPTIONS")) ||
        !isTargetText(target))
        return refuse(Verdict::Malformed, QStringLiteral("request_line"),
                      QStringLiteral("The request target must be a path such as /api/..."));
    const qsizetype query = target.indexOf('?');
    const QByteArrayView path = query < 0 ? target : target.first(query);

    std::optional<QByteArrayView> contentLength;
    std::optional<QByteArrayView> transferEncoding;
    std::optional<QByteArrayView> upgrade;
    bool host = false;
    bool connectionUpgrade = false;
    for (const QByteArrayView line : std::as_const(lines)) {
        QString problem;
        const std::optional<HeaderField> field = readHeaderField(line, &problem);
        if (!field)
            return refuse(Verdict::Malformed, QStringLiteral("header"), problem);
        const auto once = [&field](std::optional<QByteArrayView> &slot) {
            if (slot)
                return false;
            slot = field->value;
            return true;
        };
        if (named(field->name, "content-length")) {
            if (!once(contentLength))
                return refuse(Verdict::Malformed, QStringLiteral("header.Content-Length"),
                              QStringLiteral("Content-Length appears more than once"));
        } else if (named(field->name, "transfer-encoding")) {
            if (!once(transferEncoding))
                return refuse(Verdict::Malformed, QStringLiteral("header.Transfer-Encoding"),
                              QStringLiteral("Transfer-Encoding appears more than once"));
        } else if (named(field->name, "upgrade")) {
            if (!once(upgrade))
                return refuse(Verdict::Malformed, QStringLiteral("header.Upgrade"),
                              QStringLiteral("Upgrade appears more than once"));
        } else if (named(field->name, "host")) {
            if (host)
                return refuse(Verdict::Malformed, QStringLiteral("header.Host"),
                              QStringLiteral("Host appears more than once"));
            host = true;
        } else if (named(field->name, "connection")) {
            for (qsizetype at = 0; at <= field->value.size();) {
                qsizetype comma = field->value.indexOf(',', at);
                if (comma < 0)
                    comma = field->value.size();
                connectionUpgrade = connectionUpgrade ||
                    named(field->value.sliced(at, comma - at).trimmed(), "upgrade");
                at = comma + 1;
            }
        }
    }

    qint64 length = 0;
    if (contentLength) {
        bool digitsOnly = !contentLength->isEmpty() && contentLength->size() <= 18;
        for (const char c : *contentLength)
            digitsOnly = digitsOnly && c >= '0' && c <= '9';
        if (!digitsOnly)
            return refuse(Verdict::Malformed, QStringLiteral("header.Content-Length"),
                          QStringLiteral("Content-Length must be a number of bytes"));
        length = contentLength->toLongLong();
    }
    if (transferEncoding) {
        if (contentLength)
            return refuse(Verdict::Malformed, QStringLiteral("header.Transfer-Encoding"),
                          QStringLiteral("Content-Length and Transfer-Encoding together are "
                                         "not accepted"));
        if (!named(*transferEncoding, "chunked") || version != "HTTP/1.1")
            return refuse(Verdict::Malformed, QStringLiteral("header.Transfer-Encoding"),
                          QStringLiteral("Only 'Transfer-Encoding: chunked' (HTTP/1.1) is "
                                         "accepted"));
    }
    if (upgrade) {
        // Qt hands any upgrade it sees to its WebSocket server, after buffering a body whole if
        // one is announced: the only upgrade there is, is a WebSocket handshake on /ws.
        const bool webSocketHandshake = method == "GET" && path == "/ws" &&
            named(*upgrade, "websocket") && connectionUpgrade && length == 0 && !transferEncoding;
        if (!webSocketHandshake)
            return refuse(Verdict::Malformed, QStringLiteral("header.Upgrade"),
                          QStringLiteral("Upgrade is accepted only on GET /ws, with "
                                         "'Connection: upgrade', 'Upgrade: websocket' and no "
                                         "body"));
    }
    m_bodyLimit = m_maxBodyBytes;
    for (const LargerBody &larger : std::as_const(m_largerBodies)) {
        if (larger.method == method && larger.path == path)
            m_bodyLimit = larger.maxBytes;
    }
    if (length > m_bodyLimit)
        return refuse(Verdict::BodyTooLarge, QStringLiteral("body"),
                      QStringLiteral("The request body is larger than %1 bytes").arg(m_bodyLimit));

    ++m_requestsRead;
    if (upgrade) {
        m_state = State::FrameHeader;
        m_frameHeader.clear();
    } else if (transferEncoding) {
        m_state = State::ChunkSize;
        m_bodyDecoded = 0;
        m_bodyRaw = 0;
    } else if (length > 0) {
        m_state = State::Body;
        m_bodyRemaining = length;
    } else {
        completeRequest();
    }
    return Verdict::Continue;
}

void RequestStreamReader::completeRequest()
{
    m_state = State::Head;
    m_completedInThisFeed = true;
}

RequestStreamReader::Verdict RequestStreamReader::readChunkSizeLine(QByteArrayView line)
{
    qsizetype digits = 0;
    qint64 size = 0;
    while (digits < line.size() && hexValue(line[digits]) >= 0) {
        if (digits == 15)
            return refuse(Verdict::BodyTooLarge, QStringLiteral("body"),
                          QStringLiteral("A chunk is larger than the body limit"));
        size = size * 16 + hexValue(line[digits]);
        ++digits;
    }
    QByteArrayView rest = line.sliced(digits);
    while (rest.startsWith(' ') || rest.startsWith('\t'))
        rest = rest.sliced(1);
    if (digits == 0 || (!rest.isEmpty() && !rest.startsWith(';')) || !isFieldText(rest))
        return refuse(Verdict::Malformed, QStringLiteral("body"),
                      QStringLiteral("A chunk-size line is not 'hex-size[;extension]'"));
    if (size == 0) { // the caller drops the line's bytes; the trailers start afresh
        m_state = State::Trailers;
        return Verdict::Continue;
    }
    if (m_bodyDecoded + size > m_bodyLimit)
        return refuse(Verdict::BodyTooLarge, QStringLiteral("body"),
                      QStringLiteral("The request body is larger than %1 bytes").arg(m_bodyLimit));
    m_bodyDecoded += size;
    m_bodyRemaining = size;
    m_state = State::ChunkData;
    return Verdict::Continue;
}

RequestStreamReader::Verdict RequestStreamReader::readTrailerByte(char c)
{
    std::optional<QByteArrayView> taken;
    const Verdict verdict = takeLineByte(c, kMaxHeadBytes, QStringLiteral("body"),
                                         QStringLiteral("trailer section"), &taken);
    if (verdict != Verdict::Continue || !taken)
        return verdict;
    const QByteArrayView line = *taken;
    if (line.isEmpty()) { // the end of the chunked body, and of the request
        m_head.clear();
        m_lineStart = 0;
        completeRequest();
        return Verdict::Continue;
    }
    QString problem;
    const std::optional<HeaderField> field = readHeaderField(line, &problem);
    if (!field)
        return refuse(Verdict::Malformed, QStringLiteral("body"), problem);
    for (const char *framing :
         {"content-length", "transfer-encoding", "host", "upgrade", "connection", "trailer"}) {
        if (named(field->name, framing))
            return refuse(Verdict::Malformed, QStringLiteral("body"),
                          QStringLiteral("A trailer may not carry %1").arg(QLatin1String(framing)));
    }
    return Verdict::Continue;
}

RequestStreamReader::Verdict RequestStreamReader::readFrameHeaderByte(char c)
{
    m_frameHeader.append(c);
    if (m_frameHeader.size() < 2)
        return Verdict::Continue;
    const auto byte = [this](qsizetype i) {
        return static_cast<unsigned char>(m_frameHeader[i]);
    };
    const int shortLength = byte(1) & 0x7f;
    const bool masked = byte(1) & 0x80;
    const qsizetype lengthBytes = shortLength == 126 ? 2 : shortLength == 127 ? 8 : 0;
    if (m_frameHeader.size() < 2 + lengthBytes + (masked ? 4 : 0))
        return Verdict::Continue;

    quint64 length = quint64(shortLength);
    if (lengthBytes > 0) {
        length = 0;
        for (qsizetype i = 0; i < lengthBytes; ++i)
            length = (length << 8) | byte(2 + i);
    }
    const int opcode = byte(0) & 0x0f;
    const bool final = byte(0) & 0x80;
    m_frameHeader.clear();
    if (length > quint64(m_maxMessageBytes))
        return refuse(Verdict::WebSocketMessageTooLarge, QStringLiteral("frame"),
                      QStringLiteral("frame too large"));
    if (opcode == 0x1 || opcode == 0x2) { // a new message
        m_messageBytes = qint64(length);
        m_messageOpen = !final;
    } else if (opcode == 0x0) { // its continuation
        m_messageBytes += qint64(length);
        m_messageOpen = !final;
    }
    if (m_messageBytes > m_maxMessageBytes)
        return refuse(Verdict::WebSocketMessageTooLarge, QStringLiteral("frame"),
                      QStringLiteral("message too large"));
    if (!m_messageOpen && opcode < 0x8)
        m_messageBytes = 0;
    m_bodyRemaining = qint64(length);
    if (length > 0)
        m_state = State::FramePayload;
    return Verdict::Continue;
}

} // namespace fp
