#pragma once

// The report queue: a filterable, sortable table (refreshed periodically so it follows what
// other moderators do), the selected report's detail, claim, and the four actions with a note.

#include "common/AdminTypes.h"
#include "common/Result.h"

#include <QPointer>
#include <QTimer>
#include <QWidget>

class QComboBox;
class QCheckBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSortFilterProxyModel;
class QTableView;
class QTextBrowser;

namespace fp::admin {
class AdminClient;
}

namespace fp::console {

class AvatarLabel;

class ReportsModel;

class ReportsTab : public QWidget
{
    Q_OBJECT

public:
    explicit ReportsTab(admin::AdminClient *client, QWidget *parent = nullptr);

    void refresh();
    ReportsModel *model() const { return m_model; }
    QString selectedId() const;
    void selectReport(const QString &id);

Q_SIGNALS:
    /// A refresh finished (tests wait on it).
    void refreshed();

private:
    void showReports(const Result<admin::Page<admin::Report>> &r,
                     const QList<admin::Report> &earlier);
    void loadDetail();
    void claim();
    void act();
    void setStatus(const QString &text);

    admin::AdminClient *m_client;
    ReportsModel *m_model;
    QSortFilterProxyModel *m_proxy;
    QTableView *m_table;
    QComboBox *m_statusFilter;
    QComboBox *m_severityFilter;
    QCheckBox *m_escalatedOnly;
    QLineEdit *m_textFilter;
    QTextBrowser *m_detail;
    AvatarLabel *m_reportedAvatar;
    QPushButton *m_claim;
    QComboBox *m_action;
    QPlainTextEdit *m_note;
    QPushButton *m_apply;
    QLabel *m_status;
    QTimer m_timer;
    QString m_detailId;
};

} // namespace fp::console
