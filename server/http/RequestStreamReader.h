#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>
#include <QVarLengthArray>
#include <optional>
#include <utility>

namespace fp {

/// Reads the bytes a client sends on one connection, in order, and says whether they stay
/// within the limits: request heads (strictly: CRLF line ends, one Content-Length or one
/// `Transfer-Encoding: chunked`, never both, Upgrade only for `GET /ws`), bodies by
/// Content-Length or decoded chunk by chunk, requests one after another on a keep-alive
/// connection (but not pipelined: a request arriving together with the end of the one before
/// is refused, as Qt 6.4 would handle only the last of them), and after a WebSocket upgrade the
/// length of every frame and message. It keeps nothing but the head being read. Pure, so it is
/// unit-tested on its own.
class RequestStreamReader
{
public:
    enum class Verdict {
        Continue, // within limits so far
        Malformed, // 400: a head or chunk framing read two ways is refused
        BodyTooLarge, // 413
        HeadTooLarge, // 413
        WebSocketMessageTooLarge, // close 1009
    };
    enum class Phase {
        BetweenRequests, // nothing of the next request has arrived
        Head,
        Body,
        WebSocket, // upgraded: frames from here on
    };

    /// A route that takes larger bodies than the rest (an image upload): its method, its
    /// exact path, and its own limit.
    struct LargerBody
    {
        QByteArray method;
        QByteArray path;
        qint64 maxBytes = 0;
    };

    RequestStreamReader(qint64 maxBodyBytes, qint64 maxWebSocketMessageBytes,
                        QList<LargerBody> largerBodies = {})
        : m_maxBodyBytes(maxBodyBytes), m_maxMessageBytes(maxWebSocketMessageBytes),
          m_largerBodies(std::move(largerBodies)), m_bodyLimit(maxBodyBytes)
    { }

    /// Reads the next bytes of the stream, as they arrived together (Qt's parser reads them in
    /// one go too). Once it answers anything but Continue, the connection is done with and the
    /// reader must not be fed again.
    Verdict feed(QByteArrayView bytes);

    Phase phase() const;
    /// What was wrong, for the error body, and the field it concerns (`header.Content-Length`,
    /// `request_line`, `body`), when the verdict was not Continue.
    QString problem() const { return m_problem; }
    QString field() const { return m_field; }
    /// The X-Request-Id the refused request sent (as sent, unchecked), or empty: the refusal
    /// carries it like every other answer.
    QByteArray clientRequestId() const { return m_clientRequestId; }
    /// Requests whose head has been read completely.
    int requestsRead() const { return m_requestsRead; }
    /// The size of the last complete head (for a WebSocket handshake: what Qt's WebSocket
    /// server reads of the stream before the frames).
    qsizetype lastHeadBytes() const { return m_lastHeadBytes; }

    static constexpr qsizetype kMaxHeadBytes = 64 * 1024;
    static constexpr qsizetype kMaxChunkLineBytes = 4 * 1024;

private:
    enum class State {
        Head,
        Body,
        ChunkSize,
        ChunkData,
        ChunkDataEnd, // the CRLF after a chunk's data
        Trailers,
        FrameHeader,
        FramePayload,
    };
    Verdict refuse(Verdict verdict, const QString &field, const QString &problem);
    /// Adds a byte of a CRLF-terminated line to m_head; sets `line` once the line is complete
    /// (a view of m_head, without the CRLF: good until m_head changes).
    Verdict takeLineByte(char c, qsizetype maxBytes, const QString &field, const QString &what,
                         std::optional<QByteArrayView> *line);
    Verdict readHeadByte(char c);
    static QByteArray requestIdAmong(const QList<QByteArrayView> &lines);
    /// The head's lines, as views of it, without their CRLF.
    Verdict startRequest(QList<QByteArrayView> lines);
    Verdict readChunkSizeLine(QByteArrayView line);
    void completeRequest();
    Verdict readTrailerByte(char c);
    Verdict readFrameHeaderByte(char c);

    qint64 m_maxBodyBytes;
    qint64 m_maxMessageBytes;
    QList<LargerBody> m_largerBodies;
    qint64 m_bodyLimit; // of the request being read
    State m_state = State::Head;
    QByteArray m_head; // the head (or chunk-size line, or trailers) being read
    qsizetype m_lineStart = 0; // where the line being read starts in m_head
    // Where the head's complete lines are in m_head (start, length without CRLF), noted as
    // they end: scanning the head again for them was 2 % of the I/O thread (issue #16).
    QVarLengthArray<std::pair<qsizetype, qsizetype>, 16> m_headLines;
    bool m_headHasRequestLine = false; // blank lines before a request line are skipped
    qint64 m_bodyRemaining = 0; // of a Content-Length body, or of the current chunk's data
    qint64 m_bodyDecoded = 0; // chunked: data bytes so far
    qint64 m_bodyRaw = 0; // chunked: framing included
    int m_chunkDataEndSeen = 0;
    // WebSocket frames
    QByteArray m_frameHeader;
    bool m_messageOpen = false;
    qint64 m_messageBytes = 0;

    bool m_completedInThisFeed = false;
    int m_requestsRead = 0;
    qsizetype m_lastHeadBytes = 0;
    QString m_problem;
    QString m_field;
    QByteArray m_clientRequestId;
};

/// A header (or trailer) line read as `Name: value`: both views point into `line`, the value
/// without surrounding whitespace. Nothing, with `problem` set, for a folded line, a name that
/// is not a token, or a CR or NUL in the value. How the reader reads every such line, and how
/// an early answer (PlainGet) reads the head again.
struct HeaderField
{
    QByteArrayView name; // as sent
    QByteArrayView value;
};
std::optional<HeaderField> readHeaderField(QByteArrayView line, QString *problem);

} // namespace fp
