// dza: the executable is a thin shell over dza::cli::run, which tests call in-process.
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <string>
#include <thread>

#include "cli/app.hpp"
#include "dza/error.hpp"
#include "temp_folder.hpp"

namespace {

// SIGINT, SIGTERM and SIGHUP are blocked in every thread (the mask is set before any thread
// exists and inherited) and taken by one thread, which removes the temporary folders of
// unfinished writes and ends the process with 128 + the signal, as a shell expects. A signal
// ignored at start (a shell's background job ignores SIGINT) stays ignored.
void handle_interrupts() {
    sigset_t signals;
    sigemptyset(&signals);
    for (const int signal : {SIGINT, SIGTERM, SIGHUP}) {
        struct sigaction current {};
        if (sigaction(signal, nullptr, &current) == 0 && current.sa_handler != SIG_IGN) sigaddset(&signals, signal);
    }
    if (sigisemptyset(&signals)) return;
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    std::thread([signals] {
        int signal = 0;
        while (sigwait(&signals, &signal) != 0) {
        }
        dza::TempFolder::remove_all_live();
        const char* name = signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : "SIGHUP";
        const std::string message = std::string(isatty(STDERR_FILENO) == 1 ? "\n" : "") + "dza: interrupted (" + name + "); unfinished files removed\n";
        [[maybe_unused]] const ssize_t written = ::write(STDERR_FILENO, message.data(), message.size());
        _exit(128 + signal);
    }).detach();
}

}  // namespace

int main(int argc, char** argv) {
    handle_interrupts();
    std::ios::sync_with_stdio(false);
    int code = dza::cli::run(argc, argv, std::cout, std::cerr, isatty(STDERR_FILENO) == 1);
    // Data on stdout counts as written only when it reached its file: a full disk shows here.
    errno = 0;
    std::cout.flush();
    int error = std::cout ? 0 : (errno ? errno : EIO);
    if (!error && ::close(STDOUT_FILENO) != 0 && errno != EBADF) error = errno;
    if (error && code == dza::exit_status(dza::ExitCode::Ok)) {
        std::cerr << "dza: stdout: cannot write: " << std::strerror(error) << '\n';
        code = dza::exit_status(dza::ExitCode::Data);
    }
    return code;
}
