#include "server/base/Metrics.h"

namespace fp {

namespace {

QString escapeLabel(QString value)
{
    value.replace(QLatin1Char('\\'), QLatin1String("\\\\"));
    value.replace(QLatin1Char('"'), QLatin1String("\\\""));
    value.replace(QLatin1Char('\n'), QLatin1String("\\n"));
    return value;
}

QString number(double value)
{
    return QString::number(value, 'g', 12);
}

const std::vector<double> kDefaultBuckets {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                           0.25,  0.5,    1.0,   2.5,  5.0,   10.0};

} // namespace

Metrics::Metrics() = default;

QString Metrics::renderLabels(const MetricLabels &labels)
{
    QStringList parts;
    for (const auto &[key, value] : labels)
        parts << QStringLiteral("%1=\"%2\"").arg(key, escapeLabel(value));
    return parts.join(QLatin1Char(','));
}

void Metrics::describe(const QString &name, const QString &type, const QString &help)
{
    QMutexLocker lock(&m_mutex);
    Family &f = m_families[name];
    f.type = type;
    f.help = help;
}

void Metrics::setBuckets(const QString &name, std::vector<double> upperBounds)
{
    QMutexLocker lock(&m_mutex);
    m_families[name].buckets = std::move(upperBounds);
}

void Metrics::increment(const QString &name, const MetricLabels &labels, double by)
{
    incrementRendered(name, renderLabels(labels), by);
}

void Metrics::incrementRendered(const QString &name, const QString &key, double by)
{
    QMutexLocker lock(&m_mutex);
    Family &f = m_families[name];
    if (f.type.isEmpty())
        f.type = QStringLiteral("counter");
    f.values[key] += by;
}

void Metrics::set(const QString &name, const MetricLabels &labels, double value)
{
    const QString key = renderLabels(labels);
    QMutexLocker lock(&m_mutex);
    Family &f = m_families[name];
    if (f.type.isEmpty())
        f.type = QStringLiteral("gauge");
    f.values[key] = value;
}

void Metrics::observe(const QString &name, const MetricLabels &labels, double value)
{
    observeRendered(name, renderLabels(labels), value);
}

void Metrics::observeRendered(const QString &name, const QString &key, double value)
{
    QMutexLocker lock(&m_mutex);
    Family &f = m_families[name];
    if (f.type.isEmpty())
        f.type = QStringLiteral("histogram");
    if (f.buckets.empty())
        f.buckets = kDefaultBuckets;
    Histogram &h = f.histograms[key];
    if (h.counts.empty())
        h.counts.assign(f.buckets.size(), 0);
    for (size_t i = 0; i < f.buckets.size(); ++i) {
        if (value <= f.buckets[i]) {
            h.counts[i] += 1; // non-cumulative here, summed when rendering
            break;
        }
    }
    h.sum += value;
    h.count += 1;
}

void Metrics::gauge(const QString &name, const QString &help, std::function<double()> read,
                    const QString &type)
{
    QMutexLocker lock(&m_mutex);
    Family &f = m_families[name];
    f.type = type;
    f.help = help;
    f.read = std::move(read);
}

QByteArray Metrics::render() const
{
    // Gauges are read outside the lock: a reader may take locks of its own.
    std::vector<std::pair<QString, std::function<double()>>> readers;
    {
        QMutexLocker lock(&m_mutex);
        for (const auto &[name, f] : m_families) {
            if (f.read)
                readers.emplace_back(name, f.read);
        }
    }
    std::map<QString, double> gaugeValues;
    for (const auto &[name, read] : readers)
        gaugeValues[name] = read();

    QString out;
    QMutexLocker lock(&m_mutex);
    for (const auto &[name, f] : m_families) {
        if (!f.help.isEmpty())
            out += QStringLiteral("# HELP %1 %2\n").arg(name, f.help);
        out += QStringLiteral("# TYPE %1 %2\n")
                   .arg(name, f.type.isEmpty() ? QStringLiteral("untyped") : f.type);
        if (f.read) {
            out += QStringLiteral("%1 %2\n").arg(name, number(gaugeValues[name]));
            continue;
        }
        for (const auto &[labels, value] : f.values) {
            out += labels.isEmpty()
                ? QStringLiteral("%1 %2\n").arg(name, number(value))
                : QStringLiteral("%1{%2} %3\n").arg(name, labels, number(value));
        }
        for (const auto &[labels, h] : f.histograms) {
            const QString prefix = labels.isEmpty() ? QString() : labels + QLatin1Char(',');
            double cumulative = 0;
            for (size_t i = 0; i < f.buckets.size(); ++i) {
                cumulative += h.counts[i];
                out += QStringLiteral("%1_bucket{%2le=\"%3\"} %4\n")
                           .arg(name, prefix, number(f.buckets[i]), number(cumulative));
            }
            out += QStringLiteral("%1_bucket{%2le=\"+Inf\"} %3\n").arg(name, prefix).arg(h.count);
            const QString braces =
                labels.isEmpty() ? QString() : QStringLiteral("{%1}").arg(labels);
            out += QStringLiteral("%1_sum%2 %3\n").arg(name, braces, number(h.sum));
            out += QStringLiteral("%1_count%2 %3\n").arg(name, braces).arg(h.count);
        }
    }
    return out.toUtf8();
}

} // namespace fp
