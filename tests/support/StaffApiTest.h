#pragma once

// Tests of the staff API (/api/admin/...): the first admin, a moderator and a plain user,
// signed in before the first test function, and the check every staff route must pass (401
// without a token, 403 for a plain user, past the role check for staff).
//
//   void everyRouteNeedsStaff_data() { staffRoutes({{"audit log", "GET", "/api/admin/audit-log"}});
//   } void everyRouteNeedsStaff() { verifyStaffOnly(); }

#include "tests/support/IntegrationTest.h"

#include <QByteArray>
#include <QString>
#include <initializer_list>

namespace fp::test {

class StaffApiTest : public IntegrationTest
{
    Q_OBJECT

protected:
    using IntegrationTest::IntegrationTest;

    void prepare() override;

    struct StaffRoute
    {
        const char *name;
        const char *method;
        QString path;
    };
    /// One data row per route, for a data-driven verifyStaffOnly().
    static void staffRoutes(std::initializer_list<StaffRoute> routes);
    /// The current row's route refuses anonymous callers and plain users, and lets staff by.
    void verifyStaffOnly();

    TestAccount m_admin;
    TestAccount m_moderator;
    TestAccount m_user;
};

} // namespace fp::test
