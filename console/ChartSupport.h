#pragma once

// What the console's charts share (the Analytics and Queue tabs): a dated time axis in the
// viewer's time zone and a value axis titled with its unit in words, values and durations in
// words, hover tooltips with the exact value, errors in words, a status line that says loading,
// nothing to show or the error, and CSV and PNG export.

#include "common/Result.h"

#include <QList>
#include <QString>
#include <QStringList>

class QChart;
class QChartView;
class QDateTimeAxis;
class QLabel;
class QLineSeries;
class QValueAxis;
class QWidget;

namespace fp::console {

/// A chart view named `name` (for tests and style sheets), antialiased.
QChartView *makeChartView(const QString &name, QWidget *parent);
/// A fresh chart titled `title` in `view`, the old one deleted (setChart() does not).
QChart *freshChart(QChartView *view, const QString &title);
/// The time axis for a bucket (minute, hour, day, week, month): dates the bucket needs, in
/// the viewer's time zone, which its title names.
QDateTimeAxis *timeAxis(const QString &bucket);
/// A value axis titled with its unit in words ("people", "share of …": percent labels).
QValueAxis *valueAxis(const QString &unit);
/// From 0 to a little above `highest`, on round steps (0, 100, 200 rather than 82, 163, 245);
/// an axis of whole numbers spans at least 4, so no two of its labels read the same.
void fitFromZero(QValueAxis *axis, double highest);
/// How a bucket's start is written on the axis and in tooltips.
QString axisFormat(const QString &bucket);
/// The viewer's time zone, as the axis titles name it.
QString localZone();
/// A value in its unit's words: shares as percent, whole numbers without decimals.
QString formatValue(double v, const QString &unit);
/// Seconds in words: "40 s", "12 min", "3.5 h", "2.0 days".
QString duration(double seconds);
/// Shows the series' exact value and time under the mouse.
void withTooltips(QLineSeries *series, const QString &unit, const QString &format);
/// An error in words, with every field the server named.
QString describe(const AppError &error);
/// The status line: grey for news, red and bold for an error.
void showStatus(QLabel *label, const QString &text, bool error);
/// `table` (a header, then rows) as CSV; false when the file cannot be written.
bool writeCsv(const QString &path, const QList<QStringList> &table);
/// What `shown` looks like, as PNG; false when it cannot be written.
bool savePng(QWidget *shown, const QString &path);

} // namespace fp::console
