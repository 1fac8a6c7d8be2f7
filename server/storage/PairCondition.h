#pragma once

// A yes-or-no fact about two people, stated in SQL by the domain that owns the rows it reads,
// so that another domain can ask it inside one statement of its own: a request that needs facts
// from several domains then costs one round trip instead of one per domain (issue #16; the
// trust score of another person is the reason it exists).

#include <QString>
#include <QVariantList>
#include <functional>

namespace fp {

struct PairCondition
{
    /// A boolean SQL expression with `?` placeholders, wrapped in parentheses when combined.
    QString sql;
    /// The values of its placeholders, in order, for the two people it is asked about.
    std::function<QVariantList(const QString &userA, const QString &userB)> values;

    /// Always true, with nothing to bind (e.g. a staff viewer may see everything).
    static PairCondition always();
    static PairCondition anyOf(const PairCondition &first, const PairCondition &second);
    static PairCondition allOf(const PairCondition &first, const PairCondition &second);
    PairCondition negated() const;
};

} // namespace fp
