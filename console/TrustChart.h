#pragma once

// People's trust scores over time (the Reports tab: the reporter's and the reported person's;
// the Users tab: one user's). The score holds until the next change, so it is drawn as steps
// up to the end of the period asked for; the axes are the console's (console/ChartSupport.h):
// dated in the viewer's time zone, the score's titled with its range. A line under the chart
// says when nothing changed in the period and why a history could not be loaded.

#include "common/AdminTypes.h"
#include "common/Result.h"

#include <QMap>
#include <QWidget>

class QChartView;
class QLabel;

namespace fp::console {

class TrustChart : public QWidget
{
    Q_OBJECT

public:
    explicit TrustChart(const QString &title, QWidget *parent = nullptr);

    /// Shows nobody (another person is about to be shown): no line, no axes, no note.
    void clear();
    /// Shows `history` as the line named `name`, replacing what was shown under that name.
    void setHistory(const QString &name, const admin::TimeSeries &history);
    /// The history of `name` could not be loaded: its line goes and the note says why.
    void showError(const QString &name, const AppError &error);
    /// How many points the server gave for `name` (one: no change in the period).
    int pointCount(const QString &name) const;
    QChartView *view() const { return m_view; }
    /// The line under the chart: no change in the period, or why a history is missing.
    QString noteText() const;
    bool showsError() const { return !m_errors.isEmpty(); }

private:
    void redraw();

    QString m_title;
    QChartView *m_view;
    QLabel *m_note;
    QMap<QString, admin::TimeSeries> m_histories;
    QMap<QString, QString> m_errors;
};

} // namespace fp::console
