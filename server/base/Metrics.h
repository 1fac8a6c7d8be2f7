#pragma once

// Prometheus metrics (text exposition format 0.0.4): counters, gauges read at scrape time,
// and histograms. Thread-safe; label values are escaped when rendered.

#include <QByteArray>
#include <QList>
#include <QMap>
#include <QMutex>
#include <QString>
#include <functional>
#include <map>
#include <vector>

namespace fp {

using MetricLabels = QList<QPair<QString, QString>>;

class Metrics
{
public:
    Metrics();

    void describe(const QString &name, const QString &type, const QString &help);
    void increment(const QString &name, const MetricLabels &labels = {}, double by = 1.0);
    void observe(const QString &name, const MetricLabels &labels, double value);
    /// The same with the labels already rendered (renderLabels()): for what every request
    /// counts, whose labels repeat, so the caller renders them once (HttpServer).
    void incrementRendered(const QString &name, const QString &renderedLabels, double by = 1.0);
    void observeRendered(const QString &name, const QString &renderedLabels, double value);
    /// `labels` as the key they are counted under: `name="value"` pairs, values escaped.
    static QString renderLabels(const MetricLabels &labels);
    /// Sets a labelled gauge (or a counter kept elsewhere) to what was last measured.
    void set(const QString &name, const MetricLabels &labels, double value);
    /// A value computed when /metrics is scraped (queue depth, queue length...). `type` is
    /// "gauge", or "counter" for totals kept elsewhere.
    void gauge(const QString &name, const QString &help, std::function<double()> read,
               const QString &type = QStringLiteral("gauge"));
    /// Buckets for a histogram (seconds unless the name says otherwise).
    void setBuckets(const QString &name, std::vector<double> upperBounds);

    QByteArray render() const;

private:
    struct Histogram
    {
        std::vector<double> counts; // one per bucket, cumulative at render time
        double sum = 0;
        quint64 count = 0;
    };
    struct Family
    {
        QString type;
        QString help;
        std::map<QString, double> values; // rendered labels -> value (counters)
        std::map<QString, Histogram> histograms; // rendered labels -> histogram
        std::vector<double> buckets;
        std::function<double()> read;
    };

    mutable QMutex m_mutex;
    std::map<QString, Family> m_families;
};

} // namespace fp
