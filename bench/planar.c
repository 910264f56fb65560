/* A planar reference for scripts/bench-whole: what a lean program costs when it answers the
 * questions of `dza distance` and `dza coverage` in one map projection rather than on the
 * ellipsoid. It reads tab-separated text (ogr2ogr's CSV with SEPARATOR=TAB), projects every
 * coordinate with PROJ to a Lambert azimuthal equal-area projection centred on Ukraine, asks GEOS,
 * and writes tab-separated rows. Its distances and circles are planar, so its figures are only
 * approximations (a circle of 300 km drawn in the projection is no geodesic circle); it is the
 * practical speed limit, not a reference for values.
 *
 * Usage:
 *   planar distance POINTS LINE              POINTS: X, Y, id rows; LINE: WKT rows
 *                                            -> id, distance_km (to the nearest line)
 *   planar coverage DEPLOYMENTS REGIONS LINE DEPLOYMENTS: X, Y, radius_km rows; REGIONS, LINE: WKT rows
 *                                            -> per region: area, covered area, deployments
 *                                               reaching it; the territory's covered and
 *                                               uncovered area; each line's covered length
 * Every file starts with a header row. Built by scripts/bench-whole with `cc -O2 ... -lgeos_c -lproj -lm`. */
#include <geos_c.h>
#include <proj.h>

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static GEOSContextHandle_t geos;
static PJ* projection;

static void fail(const char* format, ...) {
    va_list args;
    va_start(args, format);
    fputs("planar: ", stderr);
    vfprintf(stderr, format, args);
    fputc('\n', stderr);
    va_end(args);
    exit(1);
}

static FILE* open_skipping_header(const char* path) {
    FILE* file = fopen(path, "r");
    if (!file) fail("cannot open %s", path);
    int c;
    while ((c = fgetc(file)) != EOF && c != '\n') {
    }
    return file;
}

/* Reads one line into a growing buffer; returns its length, or -1 at the end. */
static long read_line(FILE* file, char** line, size_t* capacity) {
    long n = (long)getline(line, capacity, file);
    while (n > 0 && ((*line)[n - 1] == '\n' || (*line)[n - 1] == '\r')) (*line)[--n] = '\0';
    return n;
}

static int project_xy(double* x, double* y, void* unused) {
    (void)unused;
    PJ_COORD c = proj_coord(proj_torad(*x), proj_torad(*y), 0, 0);
    c = proj_trans(projection, PJ_FWD, c);
    *x = c.xy.x;
    *y = c.xy.y;
    return 1;
}

/* Reads the first (WKT) column of every row, projected. */
static GEOSGeometry** read_wkt(const char* path, size_t* count) {
    FILE* file = open_skipping_header(path);
    GEOSWKTReader* reader = GEOSWKTReader_create_r(geos);
    GEOSGeometry** out = NULL;
    size_t n = 0, capacity = 0, line_capacity = 0;
    char* line = NULL;
    while (read_line(file, &line, &line_capacity) > 0) {
        char* wkt = line;
        if (*wkt == '"') ++wkt;
        char* end = strpbrk(wkt, "\"\t");
        if (end) *end = '\0';
        GEOSGeometry* g = GEOSWKTReader_read_r(geos, reader, wkt);
        if (!g) fail("%s: bad WKT in row %zu", path, n + 1);
        GEOSGeometry* projected = GEOSGeom_transformXY_r(geos, g, project_xy, NULL);
        GEOSGeom_destroy_r(geos, g);
        if (n == capacity) out = realloc(out, (capacity = capacity ? 2 * capacity : 64) * sizeof *out);
        out[n++] = projected;
    }
    free(line);
    GEOSWKTReader_destroy_r(geos, reader);
    fclose(file);
    *count = n;
    return out;
}

typedef struct {
    double x, y, value;
} Row;

/* Reads X, Y and a number per row, X and Y projected. */
static Row* read_xy(const char* path, size_t* count) {
    FILE* file = open_skipping_header(path);
    Row* rows = NULL;
    size_t n = 0, capacity = 0, line_capacity = 0;
    char* line = NULL;
    while (read_line(file, &line, &line_capacity) > 0) {
        char* p = line;
        Row row;
        row.x = strtod(p, &p);
        row.y = strtod(p + 1, &p);
        ++p;
        if (*p == '"') ++p;  /* a quoted number, as ogr2ogr writes a string field */
        row.value = strtod(p, &p);
        project_xy(&row.x, &row.y, NULL);
        if (n == capacity) rows = realloc(rows, (capacity = capacity ? 2 * capacity : 1024) * sizeof *rows);
        rows[n++] = row;
    }
    free(line);
    fclose(file);
    *count = n;
    return rows;
}

static GEOSGeometry* collect(GEOSGeometry** parts, size_t n) {
    GEOSGeometry** copies = malloc((n ? n : 1) * sizeof *copies);
    for (size_t i = 0; i < n; ++i) copies[i] = GEOSGeom_clone_r(geos, parts[i]);
    GEOSGeometry* collection = GEOSGeom_createCollection_r(geos, GEOS_GEOMETRYCOLLECTION, copies, (unsigned)n);
    free(copies);
    return collection;
}

static double area_km2(const GEOSGeometry* g) {
    double a = 0;
    GEOSArea_r(geos, g, &a);
    return a / 1e6;
}

typedef struct {
    double x1, y1, x2, y2;  /* a segment of the line, or a point when both ends are equal */
} Segment;

static int point_segment_distance(const void* item1, const void* item2, double* distance, void* unused) {
    (void)unused;
    const Segment* a = item1;
    const Segment* b = item2;
    if (a->x1 != a->x2 || a->y1 != a->y2) {  /* make `a` the point */
        const Segment* t = a;
        a = b;
        b = t;
    }
    const double dx = b->x2 - b->x1, dy = b->y2 - b->y1, length2 = dx * dx + dy * dy;
    double t = length2 > 0 ? ((a->x1 - b->x1) * dx + (a->y1 - b->y1) * dy) / length2 : 0;
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    *distance = hypot(a->x1 - (b->x1 + t * dx), a->y1 - (b->y1 + t * dy));
    return 1;
}

static int distance(const char* points_path, const char* line_path) {
    size_t n_points = 0, n_lines = 0;
    Row* points = read_xy(points_path, &n_points);
    GEOSGeometry** lines = read_wkt(line_path, &n_lines);
    /* The line's segments in an STR tree, searched for the nearest to each point. */
    GEOSSTRtree* tree = GEOSSTRtree_create_r(geos, 10);
    size_t n_segments = 0;
    for (size_t l = 0; l < n_lines; ++l) n_segments += (size_t)GEOSGetNumCoordinates_r(geos, lines[l]);
    Segment* segments = malloc((n_segments ? n_segments : 1) * sizeof *segments);
    n_segments = 0;
    for (size_t l = 0; l < n_lines; ++l) {
        for (int part = 0; part < GEOSGetNumGeometries_r(geos, lines[l]); ++part) {
            const GEOSCoordSequence* coords = GEOSGeom_getCoordSeq_r(geos, GEOSGetGeometryN_r(geos, lines[l], part));
            unsigned size = 0;
            GEOSCoordSeq_getSize_r(geos, coords, &size);
            for (unsigned i = 0; i + 1 < size; ++i) {
                Segment* s = &segments[n_segments++];
                GEOSCoordSeq_getXY_r(geos, coords, i, &s->x1, &s->y1);
                GEOSCoordSeq_getXY_r(geos, coords, i + 1, &s->x2, &s->y2);
                GEOSCoordSequence* ends = GEOSCoordSeq_create_r(geos, 2, 2);
                GEOSCoordSeq_setXY_r(geos, ends, 0, s->x1, s->y1);
                GEOSCoordSeq_setXY_r(geos, ends, 1, s->x2, s->y2);
                GEOSSTRtree_insert_r(geos, tree, GEOSGeom_createLineString_r(geos, ends), s);
            }
        }
    }
    printf("id\tdistance_km\n");
    for (size_t i = 0; i < n_points; ++i) {
        const Segment query = {points[i].x, points[i].y, points[i].x, points[i].y};
        GEOSGeometry* p = GEOSGeom_createPointFromXY_r(geos, query.x1, query.y1);
        const Segment* nearest = GEOSSTRtree_nearest_generic_r(geos, tree, &query, p, point_segment_distance, NULL);
        GEOSGeom_destroy_r(geos, p);
        double d = 0;
        point_segment_distance(nearest, &query, &d, NULL);
        printf("%.0f\t%.6f\n", points[i].value, d / 1000);
    }
    return 0;
}

static int coverage(const char* deployments_path, const char* regions_path, const char* line_path) {
    size_t n_sites = 0, n_regions = 0, n_lines = 0;
    Row* sites = read_xy(deployments_path, &n_sites);
    GEOSGeometry** regions = read_wkt(regions_path, &n_regions);
    GEOSGeometry** lines = read_wkt(line_path, &n_lines);

    GEOSGeometry** circles = malloc((n_sites ? n_sites : 1) * sizeof *circles);
    GEOSSTRtree* tree = GEOSSTRtree_create_r(geos, 10);
    for (size_t i = 0; i < n_sites; ++i) {
        GEOSGeometry* p = GEOSGeom_createPointFromXY_r(geos, sites[i].x, sites[i].y);
        circles[i] = GEOSBuffer_r(geos, p, sites[i].value * 1000, 16);
        GEOSGeom_destroy_r(geos, p);
        GEOSSTRtree_insert_r(geos, tree, circles[i], circles[i]);
    }
    GEOSGeometry* all = collect(circles, n_sites);
    GEOSGeometry* covered = GEOSUnaryUnion_r(geos, all);
    GEOSGeometry* regions_all = collect(regions, n_regions);
    GEOSGeometry* territory = GEOSUnaryUnion_r(geos, regions_all);

    printf("kind\tindex\tarea_or_length\tcovered\tdeployments_or_uncovered\n");
    for (size_t r = 0; r < n_regions; ++r) {
        GEOSGeometry* inside = GEOSIntersection_r(geos, regions[r], covered);
        const GEOSPreparedGeometry* prepared = GEOSPrepare_r(geos, regions[r]);
        size_t reaching = 0;
        for (size_t i = 0; i < n_sites; ++i) reaching += GEOSPreparedIntersects_r(geos, prepared, circles[i]) == 1;
        printf("region\t%zu\t%.3f\t%.3f\t%zu\n", r, area_km2(regions[r]), area_km2(inside), reaching);
        GEOSPreparedGeom_destroy_r(geos, prepared);
        GEOSGeom_destroy_r(geos, inside);
    }
    GEOSGeometry* inside = GEOSIntersection_r(geos, territory, covered);
    GEOSGeometry* outside = GEOSDifference_r(geos, territory, covered);
    printf("total\t0\t%.3f\t%.3f\t%.3f\n", area_km2(territory), area_km2(inside), area_km2(outside));
    for (size_t l = 0; l < n_lines; ++l) {
        GEOSGeometry* part = GEOSIntersection_r(geos, lines[l], covered);
        double length = 0, covered_length = 0;
        GEOSLength_r(geos, lines[l], &length);
        GEOSLength_r(geos, part, &covered_length);
        printf("line\t%zu\t%.3f\t%.3f\t0\n", l, length / 1000, covered_length / 1000);
        GEOSGeom_destroy_r(geos, part);
    }
    return 0;
}

int main(int argc, char** argv) {
    geos = GEOS_init_r();
    projection = proj_create(PJ_DEFAULT_CTX, "+proj=laea +lat_0=48.5 +lon_0=31 +ellps=WGS84");
    if (!projection) fail("PROJ cannot make the projection");
    if (argc == 4 && strcmp(argv[1], "distance") == 0) return distance(argv[2], argv[3]);
    if (argc == 5 && strcmp(argv[1], "coverage") == 0) return coverage(argv[2], argv[3], argv[4]);
    fputs("usage: planar distance POINTS LINE | planar coverage DEPLOYMENTS REGIONS LINE\n", stderr);
    return 2;
}
