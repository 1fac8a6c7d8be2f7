#pragma once

// A line chart over time (Qt Charts) that the Queue, Users and Analytics tabs share.

#include "common/AdminTypes.h"

#include <QChartView>

namespace fp::console {

class TimeChart : public QChartView
{
    Q_OBJECT

public:
    explicit TimeChart(const QString &title, QWidget *parent = nullptr);

    /// Replaces the series named `name` (added on first use) with these points.
    void setSeries(const QString &name, const QList<admin::TimePoint> &points);
    int pointCount(const QString &name) const;

private:
    void rescale();
};

} // namespace fp::console
