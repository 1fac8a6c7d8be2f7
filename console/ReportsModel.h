#pragma once

// The report queue as a table: one row per report, severity colours, escalation marks, and
// sort keys that sort by meaning (severity rank, time) rather than by display text.

#include "common/AdminTypes.h"

#include <QAbstractTableModel>

namespace fp::console {

class ReportsModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { Severity, Escalated, Status, Reason, Reported, Claimed, Created, ColumnCount };
    static constexpr int SortRole = Qt::UserRole + 1;
    static constexpr int IdRole = Qt::UserRole + 2;

    explicit ReportsModel(QObject *parent = nullptr);

    /// Replaces the rows; unchanged ids keep their place so selections survive a refresh.
    void setReports(const QList<admin::Report> &reports);
    /// Whose claims are "you" in the Claimed by column (the API names claimers by id only).
    void setSignedInUserId(const QString &userId);
    const admin::Report *report(const QString &id) const;
    int rowOf(const QString &id) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    QList<admin::Report> m_reports;
    QString m_signedInUserId;
};

} // namespace fp::console
