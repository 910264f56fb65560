#pragma once
// Human-readable output: aligned tables and numbers with thousands separators.
#include <ostream>
#include <string>
#include <vector>

namespace dza::cli {

// 1234567.891 with 1 decimal -> "1,234,567.9".
std::string format_number(double value, int decimals);

class Table {
public:
    enum class Align { Left, Right };
    void add_column(std::string header, Align align = Align::Left);
    void add_row(std::vector<std::string> cells);
    void print(std::ostream& out) const;

private:
    std::vector<std::string> headers_;
    std::vector<Align> aligns_;
    std::vector<std::vector<std::string>> rows_;
};

}  // namespace dza::cli
