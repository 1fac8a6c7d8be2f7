#include "console/ReportsModel.h"

#include "console/Words.h"

#include <QBrush>
#include <QColor>
#include <QFont>

namespace fp::console {

namespace {

int severityRank(const QString &severity)
{
    static const QStringList order {QStringLiteral("low"), QStringLiteral("medium"),
                                    QStringLiteral("high"), QStringLiteral("critical")};
    return int(order.indexOf(severity));
}

QColor severityColour(const QString &severity)
{
    switch (severityRank(severity)) {
    case 3:
        return QColor(0xf4, 0x43, 0x36); // critical: red
    case 2:
        return QColor(0xff, 0x98, 0x00); // high: orange
    case 1:
        return QColor(0xff, 0xeb, 0x3b); // medium: yellow
    default:
        return QColor(0xc8, 0xe6, 0xc9); // low: pale green
    }
}

QString shortId(const QString &id)
{
    return id.left(8);
}

} // namespace

ReportsModel::ReportsModel(QObject *parent) : QAbstractTableModel(parent) { }

void ReportsModel::setReports(const QList<admin::Report> &reports)
{
    bool sameRows = reports.size() == m_reports.size();
    for (qsizetype i = 0; sameRows && i < reports.size(); ++i)
        sameRows = reports[i].id == m_reports[i].id;
    if (sameRows) {
        // Same rows: update in place so views keep selection and scroll position.
        m_reports = reports;
        if (!m_reports.isEmpty())
            Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
        return;
    }
    beginResetModel();
    m_reports = reports;
    endResetModel();
}

void ReportsModel::setSignedInUserId(const QString &userId)
{
    if (userId == m_signedInUserId)
        return;
    m_signedInUserId = userId;
    if (!m_reports.isEmpty())
        Q_EMIT dataChanged(index(0, Claimed), index(rowCount() - 1, Claimed));
}

const admin::Report *ReportsModel::report(const QString &id) const
{
    const int row = rowOf(id);
    return row < 0 ? nullptr : &m_reports[row];
}

int ReportsModel::rowOf(const QString &id) const
{
    for (qsizetype i = 0; i < m_reports.size(); ++i)
        if (m_reports[i].id == id)
            return int(i);
    return -1;
}

int ReportsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_reports.size());
}

int ReportsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ReportsModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_reports.size())
        return {};
    const admin::Report &r = m_reports[index.row()];
    if (role == IdRole)
        return r.id;
    if (role == Qt::BackgroundRole && index.column() == Severity)
        return QBrush(severityColour(r.severity));
    if (role == Qt::FontRole && r.escalated()) {
        QFont bold;
        bold.setBold(true);
        return bold;
    }
    if (role == Qt::ToolTipRole && index.column() == Escalated && r.escalated())
        return tr("Escalated %1").arg(r.escalatedAt.toLocalTime().toString(Qt::ISODate));
    if (role == Qt::ToolTipRole && index.column() == Claimed && !r.claimedByUserId.isEmpty())
        return tr("Claimed by the user with id %1").arg(r.claimedByUserId);
    if (role == SortRole) {
        switch (index.column()) {
        case Severity:
            return severityRank(r.severity);
        case Escalated:
            return r.escalated() ? 1 : 0;
        case Created:
            return r.createdAt;
        default:
            break;
        }
        role = Qt::DisplayRole;
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case Severity:
        return words::severity(r.severity);
    case Escalated:
        return r.escalated() ? QStringLiteral("⚠ escalated") : QString();
    case Status:
        return words::reportStatus(r.status);
    case Reason:
        return words::reason(r.reasonCode);
    case Reported:
        return shortId(r.reportedUserId);
    case Claimed:
        return words::staffMember(r.claimedByUserId, m_signedInUserId);
    case Created:
        return r.createdAt.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm"));
    default:
        return {};
    }
}

QVariant ReportsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const QStringList names {tr("Severity"), tr("Escalation"),    tr("Status"),
                                    tr("Reason"),   tr("Reported user"), tr("Claimed by"),
                                    tr("Created")};
    return names.value(section);
}

} // namespace fp::console
