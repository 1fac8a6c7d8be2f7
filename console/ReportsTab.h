#pragma once

// The report queue: a filterable, sortable table that follows what happens on every instance
// through the staff alert feed (StaffAlerts; polled only while the feed is down), a badge count
// per severity of the work nobody has claimed, a tray message for high and critical alerts, the
// selected report's evidence (the conversation around it with flagged and blocked messages,
// both people's history and standing), claim, and the actions with a note. Keyboard triage: J/K
// next/previous, C claim, N note, A apply the chosen action, M my claims.

#include "common/AdminTypes.h"
#include "common/Result.h"

#include <QKeySequence>
#include <QMap>
#include <QPointer>
#include <QTimer>
#include <QWidget>
#include <functional>

class QAction;
class QComboBox;
class QSystemTrayIcon;
class QCheckBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSortFilterProxyModel;
class QSpinBox;
class QTableView;
class QTextBrowser;

namespace fp::admin {
class AdminClient;
}

namespace fp::console {

class AvatarLabel;

class ReportsModel;
class StaffAlerts;
class TrustChart;
struct StaffAlert;

class ReportsTab : public QWidget
{
    Q_OBJECT

public:
    explicit ReportsTab(admin::AdminClient *client, QWidget *parent = nullptr);

    void refresh();
    ReportsModel *model() const { return m_model; }
    QString selectedId() const;
    void selectReport(const QString &id);
    /// Follows `alerts`: each one refreshes the lists and the badge; a high or critical one that
    /// needs attention also shows a tray message (when the desktop has a tray).
    void followAlerts(StaffAlerts *alerts);
    /// Unclaimed unresolved reports by severity (low..critical): the badge.
    QMap<QString, int> badge() const { return m_badge; }
    /// The badge as the tab shows it ("2 Critical · 1 High"; empty when nothing waits).
    QString badgeText() const;
    /// The last desktop notification's text (shown in the tray when there is one).
    QString lastNotification() const { return m_lastNotification; }
    QString detailText() const;
    /// Both people's trust over time ("reporter", "reported"), for the selected report.
    TrustChart *trustChart() const { return m_trustChart; }
    /// Whether the lists are polled (only while the alert feed is down).
    bool polling() const { return m_timer.isActive(); }
    /// Moves the selection by `step` rows (J/K).
    void moveSelection(int step);
    void claim();
    void act();
    /// What the last claim or action came to (its own line: list refreshes leave it alone).
    QString feedbackText() const;
    bool feedbackShowsError() const { return m_feedbackIsError; }

Q_SIGNALS:
    /// A refresh finished (tests wait on it).
    void refreshed();
    void badgeChanged();
    /// A report's detail was shown (tests wait on it).
    void detailShown(const QString &id);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void onAlert(const StaffAlert &alert);
    void refreshBadge();
    void notify(const StaffAlert &alert);
    void showEmptyState();
    QAction *addShortcut(const QString &text, const QKeySequence &key,
                         std::function<void()> triggered);
    void showReports(const Result<admin::Page<admin::Report>> &r,
                     const QList<admin::Report> &earlier);
    void loadDetail();
    void showTrust(const QString &side, const QString &userId, const QString &reportId);
    void setStatus(const QString &text);
    void showFeedback(const QString &text, bool error);
    /// While a claim or an action is under way, neither can be started again (by button or
    /// key): a second request would be a second claim in the audit log, or an action refused
    /// as already resolved.
    void setRequestInFlight(bool inFlight);

    admin::AdminClient *m_client;
    ReportsModel *m_model;
    QSortFilterProxyModel *m_proxy;
    QTableView *m_table;
    QComboBox *m_statusFilter;
    QComboBox *m_severityFilter;
    QCheckBox *m_escalatedOnly;
    QCheckBox *m_myClaims;
    QComboBox *m_sourceFilter;
    QLineEdit *m_textFilter;
    QTextBrowser *m_detail;
    TrustChart *m_trustChart;
    AvatarLabel *m_reportedAvatar;
    QPushButton *m_claim;
    QComboBox *m_action;
    QSpinBox *m_amount;
    QPlainTextEdit *m_note;
    QPushButton *m_apply;
    QAction *m_claimAction = nullptr;
    QAction *m_applyAction = nullptr;
    bool m_requestInFlight = false;
    QLabel *m_status;
    QLabel *m_feedback;
    bool m_feedbackIsError = false;
    QTimer m_timer; // polls only while the alert feed is down
    QTimer m_alertRefresh; // one refresh for a burst of alerts
    QString m_detailId;
    StaffAlerts *m_alerts = nullptr;
    QMap<QString, int> m_badge;
    QString m_lastNotification;
    QSystemTrayIcon *m_tray = nullptr;
};

} // namespace fp::console
