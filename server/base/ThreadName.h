#pragma once

// Names a thread the server starts itself, so `top -H`, `perf report --sort comm` and a core
// dump say which part of the server is busy ("chat writer" rather than the process's name,
// which every std::thread inherits). Linux keeps at most 15 bytes of a name.

#include <pthread.h>
#include <thread>

namespace fp {

inline void nameThread(std::thread &thread, const char *name)
{
    pthread_setname_np(thread.native_handle(), name);
}

} // namespace fp
