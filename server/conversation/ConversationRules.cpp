#include "server/conversation/ConversationRules.h"

#include "server/base/Validation.h"

#include <QRegularExpression>

namespace fp::ConversationRules {

QString closeReasonName(CloseReason reason)
{
    switch (reason) {
    case CloseReason::MutualEnd:
        return QStringLiteral("mutual_end");
    case CloseReason::UserEnd:
        return QStringLiteral("user_end");
    case CloseReason::PanicExit:
        return QStringLiteral("panic_exit");
    case CloseReason::Timeout:
        break;
    }
    return QStringLiteral("timeout");
}

Result<QString> messageText(const QString &raw)
{
    const QString text = raw.trimmed();
    if (!validation::textProblem(text, TextPolicy::FreeText).isEmpty())
        return AppError::validation(
            {{QStringLiteral("text"), QStringLiteral("must be valid UTF-8 text")}});
    const qsizetype characters = validation::codePoints(text);
    if (characters == 0)
        return AppError::validation(
            {{QStringLiteral("text"), QStringLiteral("must not be empty")}});
    if (characters > kMaxTextCharacters)
        return AppError::validation(
            {{QStringLiteral("text"), QStringLiteral("must be at most 2000 characters")}});
    return text;
}

bool validClientMsgId(const QString &id)
{
    static const QRegularExpression pattern(QStringLiteral("^[A-Za-z0-9._:-]{1,64}$"));
    return pattern.match(id).hasMatch();
}

bool onlyContactInfo(const ModerationVerdict &verdict)
{
    if (verdict.labels.isEmpty())
        return false;
    for (const QString &label : verdict.labels)
        if (label != QLatin1String("contact_info"))
            return false;
    return true;
}

QDateTime gateOpensAt(const QDateTime &startedAt, int gate, int intervalSeconds)
{
    return startedAt.addSecs(qint64(gate) * intervalSeconds);
}

QDateTime gateClosesAt(const QDateTime &startedAt, int gate, int intervalSeconds)
{
    return gateOpensAt(startedAt, gate + 1, intervalSeconds);
}

QString gateOutcome(int gate, const QString &first, const QString &second)
{
    if (first == kRevealYes && second == kRevealYes)
        return QStringLiteral("revealed");
    if (first == kEndChat || second == kEndChat || gate == kGateCount)
        return QStringLiteral("closed");
    return QStringLiteral("continued");
}

CloseReason gateCloseReason(const QString &first, const QString &second)
{
    if (first == kEndChat && second == kEndChat)
        return CloseReason::MutualEnd;
    if (first == kEndChat || second == kEndChat)
        return CloseReason::UserEnd;
    return CloseReason::Timeout;
}

QJsonObject decisionProblems(int gateMinute, const QString &decision)
{
    QJsonObject problems;
    if (gateMinute != 10 && gateMinute != 20 && gateMinute != 30)
        problems.insert(QStringLiteral("gate_minute"), QStringLiteral("must be 10, 20 or 30"));
    if (decision != kRevealYes && decision != kNotYet && decision != kEndChat)
        problems.insert(QStringLiteral("decision"),
                        QStringLiteral("must be reveal_yes, not_yet or end_chat"));
    return problems;
}

AppError notFoundError()
{
    return AppError::notFound(QStringLiteral("No such conversation"));
}

AppError closedError()
{
    return AppError::conflict(QStringLiteral("The conversation is closed"))
        .because(QStringLiteral("conversation_closed"));
}

} // namespace fp::ConversationRules
