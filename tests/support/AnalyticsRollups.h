#pragma once

// The analytics rollups (docs/analytics.md) as text, table by table, for comparing two states
// of them: the live ones with a rebuild's, in the tests that hold the rebuild to its promise.

#include <QString>

namespace fp::test {

class TestDatabase;

enum class RollupIds {
    Shown, // every row as stored, people's ids included
    // Without the ids: a deleted account stands under a pseudonym of its own in the live
    // rollups and under the outbox's in a rebuild, so only the numbers can be compared.
    LeftOut,
};

QString rollupsText(TestDatabase &database, RollupIds ids = RollupIds::Shown);

} // namespace fp::test
