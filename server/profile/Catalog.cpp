#include "server/profile/Catalog.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QRegularExpression>
#include <cstdio>
#include <cstdlib>

namespace fp {

namespace {

AppError loadError(const QString &what)
{
    AppError e = AppError::internal();
    e.message = QStringLiteral("catalog: %1").arg(what);
    return e;
}

bool isKey(const QString &key)
{
    // The shape openapi.yaml gives CatalogKey, and what the ascii_bin key columns hold.
    static const QRegularExpression pattern(QStringLiteral("^[a-z][a-z0-9_]{0,63}$"));
    return pattern.match(key).hasMatch();
}

/// Reads the list `name` of string keys; fills `problem` when anything is wrong.
QStringList readKeys(const QJsonObject &root, const QString &name, QSet<QString> *set,
                     QString *problem)
{
    const QJsonValue list = root.value(name);
    if (!list.isArray() || list.toArray().isEmpty()) {
        *problem = QStringLiteral("\"%1\" must be a non-empty list").arg(name);
        return {};
    }
    QStringList keys;
    for (const QJsonValue &v : list.toArray()) {
        const QString key = v.toString();
        if (!v.isString() || !isKey(key)) {
            *problem = QStringLiteral("\"%1\" holds a key that is not snake_case: %2")
                           .arg(name,
                                QString::fromUtf8(
                                    QJsonDocument(QJsonArray {v}).toJson(QJsonDocument::Compact)));
            return {};
        }
        if (set->contains(key)) {
            *problem = QStringLiteral("\"%1\" repeats \"%2\"").arg(name, key);
            return {};
        }
        set->insert(key);
        keys << key;
    }
    return keys;
}

} // namespace

Result<Catalog> Catalog::fromJson(const QByteArray &json)
{
    QJsonParseError parseError {};
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError || !document.isObject())
        return loadError(QStringLiteral("not a JSON object (%1 at offset %2)")
                             .arg(parseError.errorString())
                             .arg(parseError.offset));
    const QJsonObject root = document.object();

    Catalog c;
    QString problem;
    c.m_values = readKeys(root, QStringLiteral("values"), &c.m_valueSet, &problem);
    if (problem.isEmpty())
        c.m_interests = readKeys(root, QStringLiteral("interests"), &c.m_interestSet, &problem);
    if (problem.isEmpty())
        c.m_topics = readKeys(root, QStringLiteral("topics"), &c.m_topicSet, &problem);
    if (problem.isEmpty())
        c.m_feedbackTags =
            readKeys(root, QStringLiteral("feedback_tags"), &c.m_feedbackTagSet, &problem);
    if (!problem.isEmpty())
        return loadError(problem);

    static const QStringList severities {QStringLiteral("low"), QStringLiteral("medium"),
                                         QStringLiteral("high"), QStringLiteral("critical")};
    const QJsonValue reasons = root.value(QStringLiteral("report_reasons"));
    if (!reasons.isArray() || reasons.toArray().isEmpty())
        return loadError(QStringLiteral("\"report_reasons\" must be a non-empty list"));
    for (const QJsonValue &v : reasons.toArray()) {
        const QJsonObject o = v.toObject();
        const QString key = o.value(QStringLiteral("key")).toString();
        const QString severity = o.value(QStringLiteral("severity")).toString();
        if (!isKey(key))
            return loadError(QStringLiteral("a report reason has no snake_case \"key\""));
        if (!severities.contains(severity))
            return loadError(
                QStringLiteral("report reason \"%1\" has no valid \"severity\"").arg(key));
        if (c.m_severity.contains(key))
            return loadError(QStringLiteral("report reason \"%1\" is repeated").arg(key));
        c.m_severity.insert(key, severity);
        c.m_reportReasons.append({key, severity});
    }
    return c;
}

Result<Catalog> Catalog::embedded()
{
    QFile file(QStringLiteral(":/resources/catalog/catalog.json"));
    if (!file.open(QIODevice::ReadOnly))
        return loadError(QStringLiteral("not embedded in the binary"));
    return fromJson(file.readAll());
}

std::optional<QString> Catalog::reportSeverity(const QString &reasonKey) const
{
    const auto it = m_severity.constFind(reasonKey);
    if (it == m_severity.constEnd())
        return std::nullopt;
    return *it;
}

QJsonObject Catalog::toJson() const
{
    QStringList reasons;
    for (const ReportReason &r : m_reportReasons)
        reasons << r.key;
    return QJsonObject {
        {QStringLiteral("values"), QJsonArray::fromStringList(m_values)},
        {QStringLiteral("interests"), QJsonArray::fromStringList(m_interests)},
        {QStringLiteral("topics"), QJsonArray::fromStringList(m_topics)},
        {QStringLiteral("feedback_tags"), QJsonArray::fromStringList(m_feedbackTags)},
        {QStringLiteral("report_reasons"), QJsonArray::fromStringList(reasons)}};
}

} // namespace fp
