#pragma once
// The owner of a CBC model (COIN-OR branch and cut, through its C interface): one handle, freed
// once, silent (CBC's and CLP's logs at 0), timed by the wall clock, and solved under one lock
// because CBC 2.10's driver (CbcMain1) keeps state in statics that two solves at once would share.
#include <coin/Cbc_C_Interface.h>

#include <memory>
#include <mutex>
#include <string>

#include "dza/error.hpp"

namespace dza::cbc {

struct ModelDeleter {
    void operator()(Cbc_Model* model) const noexcept { Cbc_deleteModel(model); }
};

class Model {
public:
    Model() : model_(Cbc_newModel()) {
        if (!model_) throw DataError("integer program: CBC could not create a model (out of memory?)");
        Cbc_setLogLevel(model_.get(), 0);
        Cbc_setParameter(model_.get(), "log", "0");
        Cbc_setParameter(model_.get(), "slog", "0");
        Cbc_setParameter(model_.get(), "timeMode", "elapsed");
    }
    Cbc_Model* get() const noexcept { return model_.get(); }

    // Solves under the process-wide lock; a failure inside CBC becomes a DataError.
    void solve() {
        static std::mutex solve_mutex;
        std::lock_guard<std::mutex> lock(solve_mutex);
        try {
            Cbc_solve(model_.get());
        } catch (const std::exception& e) {
            throw DataError(std::string("integer program: CBC failed: ") + e.what() + "; try exact: false for the greedy answer");
        } catch (...) {
            throw DataError("integer program: CBC failed; try exact: false for the greedy answer");
        }
    }

private:
    std::unique_ptr<Cbc_Model, ModelDeleter> model_;
};

}  // namespace dza::cbc
