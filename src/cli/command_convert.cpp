#include "cli/command_convert.hpp"

#include "dza/writer.hpp"

namespace dza::cli {

void ConvertCommand::setup(CLI::App& app) {
    app.add_option("LAYER", layer_, "layer to read: SOURCE[|layername=NAME][|where=SQL][|crs=CRS]")->required()->type_name("LAYER");
    add_output_option(app, output_, table_, "where to write", true);
    add_precision_option(app, precision_);
}

void ConvertCommand::validate() {
    ref_ = LayerRef::parse(layer_);
    validate_output(output_, table_);
}

ExitCode ConvertCommand::run(Io& io) {
    check_output_path(output_, table_);
    check_not_an_input(output_, {{ref_.source, "LAYER"}});
    const Layer layer = load_layer(ref_, io.load_options());
    WriteOptions options;
    options.callbacks = io.callbacks();
    options.precision = precision_;
    options.table = table_;
    write_layer(layer, output_, options, &io.out);
    return ExitCode::Ok;
}

}  // namespace dza::cli
