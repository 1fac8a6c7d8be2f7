#pragma once

// A minimal Redis client for tests (RESP over a QTcpSocket): to look at or disturb what the
// server keeps in Redis, independently of the server's own client.

#include <QByteArray>
#include <QDeadlineTimer>
#include <QHostAddress>
#include <QList>
#include <QTcpSocket>
#include <utility>

namespace fp::test {

class RawRedis
{
public:
    explicit RawRedis(quint16 port)
    {
        m_socket.connectToHost(QHostAddress::LocalHost, port);
        m_socket.waitForConnected(3000);
    }

    void send(const QList<QByteArray> &args)
    {
        QByteArray out = "*" + QByteArray::number(args.size()) + "\r\n";
        for (const QByteArray &a : args)
            out += "$" + QByteArray::number(a.size()) + "\r\n" + a + "\r\n";
        m_socket.write(out);
        m_socket.flush();
    }

    /// Everything received until `needle` arrived (or the time ran out).
    QByteArray readUntil(const QByteArray &needle, int timeoutMs = 5000)
    {
        QDeadlineTimer deadline(timeoutMs);
        while (!m_buffer.contains(needle) && !deadline.hasExpired()) {
            m_socket.waitForReadyRead(50);
            m_buffer += m_socket.readAll();
        }
        return std::exchange(m_buffer, {});
    }

    /// Sends a command and returns its raw reply line(s).
    QByteArray command(const QList<QByteArray> &args)
    {
        send(args);
        return readUntil("\r\n");
    }

private:
    QTcpSocket m_socket;
    QByteArray m_buffer;
};

} // namespace fp::test
