#pragma once

#include "server/core/Config.h"

namespace fp {

/// Creates the first admin account (FP_ADMIN_EMAIL / FP_ADMIN_PASSWORD) when the database has
/// none, and prints its credentials once on standard output. The generated password is never
/// logged. Returns an error line, or an empty string.
QString seedFirstAdmin(const Config &config);

} // namespace fp
