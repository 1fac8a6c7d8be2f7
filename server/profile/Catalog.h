#pragma once

// The keys the API accepts (values, interests, off-limits topics, feedback tags, report reasons),
// shipped as data in resources/catalog/catalog.json. Loaded once at start (a broken catalog stops
// the server there) and immutable, so every thread and every domain shares the one instance
// the application passes in.

#include "common/Result.h"

#include <QByteArray>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QSet>
#include <QString>
#include <QStringList>
#include <optional>

namespace fp {

class Catalog
{
public:
    struct ReportReason
    {
        QString key;
        QString severity; // low, medium, high, critical
    };

    /// Parses catalog.json. Anything wrong (not JSON, a missing list, an empty, malformed or
    /// repeated key, an unknown severity) is an error naming it.
    static Result<Catalog> fromJson(const QByteArray &json);
    /// The catalog embedded in the binary (":/resources/catalog/catalog.json").
    static Result<Catalog> embedded();

    const QStringList &valuesKeys() const { return m_values; }
    const QStringList &interestKeys() const { return m_interests; }
    const QStringList &topicKeys() const { return m_topics; }
    const QStringList &feedbackTags() const { return m_feedbackTags; }
    const QList<ReportReason> &reportReasons() const { return m_reportReasons; }

    bool containsValue(const QString &key) const { return m_valueSet.contains(key); }
    bool containsInterest(const QString &key) const { return m_interestSet.contains(key); }
    bool containsTopic(const QString &key) const { return m_topicSet.contains(key); }
    bool containsFeedbackTag(const QString &key) const { return m_feedbackTagSet.contains(key); }
    bool containsReportReason(const QString &key) const { return m_severity.contains(key); }
    /// The severity of a report reason, or nullopt for a key not in the catalog.
    std::optional<QString> reportSeverity(const QString &reasonKey) const;

    /// The body of GET /api/catalog: {values, interests, topics, feedback_tags, report_reasons}
    /// as lists of keys, in file order.
    QJsonObject toJson() const;

private:
    QStringList m_values;
    QStringList m_interests;
    QStringList m_topics;
    QStringList m_feedbackTags;
    QList<ReportReason> m_reportReasons;
    QSet<QString> m_valueSet;
    QSet<QString> m_interestSet;
    QSet<QString> m_topicSet;
    QSet<QString> m_feedbackTagSet;
    QHash<QString, QString> m_severity;
};

} // namespace fp
