#include "server/storage/WorkCounters.h"

namespace fp {

WorkCount &workOnThisThread()
{
    thread_local WorkCount count;
    return count;
}

} // namespace fp
