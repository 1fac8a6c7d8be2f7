#include "console/ChartSupport.h"

#include <QChart>
#include <QChartView>
#include <QCursor>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QFile>
#include <QImage>
#include <QJsonObject>
#include <QLabel>
#include <QLineSeries>
#include <QPainter>
#include <QToolTip>
#include <QValueAxis>
#include <algorithm>
#include <cmath>

namespace fp::console {

QChartView *makeChartView(const QString &name, QWidget *parent)
{
    auto *view = new QChartView(new QChart, parent);
    view->setObjectName(name);
    view->setRenderHint(QPainter::Antialiasing);
    view->setMinimumHeight(260);
    return view;
}

QChart *freshChart(QChartView *view, const QString &title)
{
    QChart *old = view->chart();
    auto *chart = new QChart;
    chart->setTitle(title);
    chart->legend()->setAlignment(Qt::AlignBottom);
    view->setChart(chart);
    delete old;
    return chart;
}

QDateTimeAxis *timeAxis(const QString &bucket)
{
    auto *x = new QDateTimeAxis;
    x->setFormat(axisFormat(bucket));
    x->setTitleText(QObject::tr("Time (%1)").arg(localZone()));
    x->setTickCount(6);
    return x;
}

QValueAxis *valueAxis(const QString &unit)
{
    auto *y = new QValueAxis;
    y->setTitleText(unit.isEmpty() ? QString() : unit.left(1).toUpper() + unit.mid(1));
    y->setLabelFormat(unit.startsWith(QLatin1String("share")) ? QStringLiteral("%.2f")
                                                              : QStringLiteral("%.0f"));
    return y;
}

void fitFromZero(QValueAxis *axis, double highest)
{
    double top = highest > 0 ? highest * 1.1 : 1;
    if (axis->labelFormat() == QLatin1String("%.0f"))
        top = std::max(top, 4.0);
    axis->setRange(0, top);
    axis->applyNiceNumbers();
}

QString axisFormat(const QString &bucket)
{
    if (bucket == QLatin1String("minute") || bucket == QLatin1String("hour"))
        return QStringLiteral("d MMM HH:mm");
    if (bucket == QLatin1String("month"))
        return QStringLiteral("MMM yyyy");
    return QStringLiteral("d MMM yyyy");
}

QString localZone()
{
    return QDateTime::currentDateTime().timeZoneAbbreviation();
}

QString formatValue(double v, const QString &unit)
{
    if (unit.startsWith(QLatin1String("share")))
        return QStringLiteral("%1 %").arg(v * 100, 0, 'f', 1);
    if (std::floor(v) == v)
        return QString::number(qint64(v));
    return QString::number(v, 'f', 2);
}

QString duration(double seconds)
{
    if (seconds < 120)
        return QObject::tr("%1 s").arg(qint64(seconds));
    if (seconds < 7200)
        return QObject::tr("%1 min").arg(qint64(seconds / 60));
    if (seconds < 2 * 86400)
        return QObject::tr("%1 h").arg(seconds / 3600, 0, 'f', 1);
    return QObject::tr("%1 days").arg(seconds / 86400, 0, 'f', 1);
}

void withTooltips(QLineSeries *series, const QString &unit, const QString &format)
{
    QObject::connect(series, &QLineSeries::hovered, series,
                     [series, unit, format](const QPointF &p, bool state) {
                         if (!state) {
                             QToolTip::hideText();
                             return;
                         }
                         const QDateTime t =
                             QDateTime::fromMSecsSinceEpoch(qint64(p.x())).toLocalTime();
                         QToolTip::showText(QCursor::pos(),
                                            QStringLiteral("%1\n%2: %3 %4")
                                                .arg(series->name(), t.toString(format),
                                                     formatValue(p.y(), unit), unit));
                     });
}

QString describe(const AppError &error)
{
    QStringList parts {error.message};
    const QJsonObject fields = error.details.value(QStringLiteral("fields")).toObject();
    for (auto it = fields.begin(); it != fields.end(); ++it)
        parts << QStringLiteral("%1: %2").arg(it.key(), it.value().toString());
    return parts.join(QStringLiteral("; "));
}

void showStatus(QLabel *label, const QString &text, bool error)
{
    label->setText(text);
    label->setStyleSheet(error ? QStringLiteral("color:#b00020;font-weight:bold")
                               : QStringLiteral("color:#555"));
}

bool writeCsv(const QString &path, const QList<QStringList> &table)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate | QIODevice::Text))
        return false;
    const auto quoted = [](QString cell) {
        if (cell.contains(QLatin1Char(',')) || cell.contains(QLatin1Char('"')) ||
            cell.contains(QLatin1Char('\n')))
            cell = QLatin1Char('"') + cell.replace(QStringLiteral("\""), QStringLiteral("\"\"")) +
                QLatin1Char('"');
        return cell;
    };
    for (const QStringList &row : table) {
        QStringList cells;
        for (const QString &cell : row)
            cells << quoted(cell);
        file.write(cells.join(QLatin1Char(',')).toUtf8() + '\n');
    }
    return file.error() == QFile::NoError;
}

bool savePng(QWidget *shown, const QString &path)
{
    if (!shown || shown->size().isEmpty())
        return false;
    // render() draws a widget that is not on screen too (a tab not shown yet).
    QImage image(shown->size(), QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::white);
    QPainter painter(&image);
    shown->render(&painter);
    painter.end();
    return image.save(path, "PNG");
}

} // namespace fp::console
