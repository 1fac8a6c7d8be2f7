#include "server/storage/PairCondition.h"

namespace fp {

namespace {

PairCondition joined(const PairCondition &first, const PairCondition &second,
                     const char *connective)
{
    return {QLatin1Char('(') + first.sql + QStringLiteral(") ") + QLatin1String(connective) +
                QStringLiteral(" (") + second.sql + QLatin1Char(')'),
            [a = first.values, b = second.values](const QString &userA, const QString &userB) {
                return a(userA, userB) + b(userA, userB);
            }};
}

} // namespace

PairCondition PairCondition::always()
{
    return {QStringLiteral("TRUE"), [](const QString &, const QString &) {
                return QVariantList();
            }};
}

PairCondition PairCondition::anyOf(const PairCondition &first, const PairCondition &second)
{
    return joined(first, second, "OR");
}

PairCondition PairCondition::allOf(const PairCondition &first, const PairCondition &second)
{
    return joined(first, second, "AND");
}

PairCondition PairCondition::negated() const
{
    return {QStringLiteral("NOT (") + sql + QLatin1Char(')'), values};
}

} // namespace fp
