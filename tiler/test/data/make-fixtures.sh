#!/bin/sh
# Rebuilds the reader fixtures in this folder from the OSM sample and vn-names.geojson.
# Needs GDAL's ogr2ogr (Debian: apt-get install gdal-bin; these were made with GDAL 3.6.2).
# GDAL is only needed to REMAKE the fixtures: the tiler and its tests never run it.
set -eu
cd "$(dirname "$0")"
SRC=../../../data/osm/osm_hcmc_building_polygons_2023-10-22.geojson
# A few OSM tags, so every format can hold them (Shapefile field names are at most 10 bytes).
SEL='@osmId,@version,@lastEdit,building,name,name:en,addr:housenumber,addr:street,amenity,building:levels'
# The national VN-2000 → WGS 84 shift (Decision 05/2007/QĐ-BTNMT) with its rotations in proj's
# Position Vector convention: the published (Coordinate Frame) rotations with signs flipped,
# as tiler/src/crs/vn2000.ts explains.
VN2000='+proj=tmerc +lat_0=0 +lon_0=105.75 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 +towgs84=-191.90441429,-39.30318279,-111.45032835,0.00928836,-0.01975479,0.00427372,0.252906278 +units=m +no_defs'
OSM="-limit 100 -select $SEL -nln osm_100"

rm -f osm-100.* osm-100-vn2000.* osm-10.geojsons vn-names-cp1258.* vn-names-z.*

# The first 100 buildings of the OSM sample, lon/lat (EPSG:4326), in each format.
ogr2ogr -f 'ESRI Shapefile' $OSM -lco ENCODING=UTF-8 -lco RESIZE=YES osm-100.shp "$SRC"
ogr2ogr -f GPKG $OSM osm-100.gpkg "$SRC"
ogr2ogr -f FlatGeobuf $OSM osm-100.fgb "$SRC"
ogr2ogr -f GeoJSONSeq $OSM osm-100.geojsonl "$SRC"
# RFC 8142 form: each record starts with an ASCII record separator (0x1E).
ogr2ogr -f GeoJSONSeq -limit 10 -select "$SEL" -lco RS=YES osm-10.geojsons "$SRC"

# The same 100 buildings projected to VN-2000 / TM-3 105°45' (metres) with the proj string
# above; GeoPackage and FlatGeobuf record that definition (with its TOWGS84) as WKT.
ogr2ogr -f GPKG $OSM -t_srs "$VN2000" -lco SPATIAL_INDEX=NO osm-100-vn2000.gpkg "$SRC"
ogr2ogr -f FlatGeobuf $OSM -t_srs "$VN2000" osm-100-vn2000.fgb "$SRC"
# The Shapefile gets the same coordinates (copied from the GeoPackage, not reprojected), but
# the .prj ArcGIS would write for EPSG:9210 (GCS_VN_2000 / D_Vietnam_2000, no TOWGS84), as
# files from Vietnamese agencies have. (A .prj written for the proj string would lose its
# TOWGS84 too: ESRI WKT has no place for it.)
ogr2ogr -f 'ESRI Shapefile' -a_srs EPSG:9210 -lco ENCODING=UTF-8 -lco RESIZE=YES osm-100-vn2000.shp osm-100-vn2000.gpkg

# Vietnamese text in the Vietnamese Windows code page (.cpg says CP1258).
ogr2ogr -f 'ESRI Shapefile' -lco ENCODING=CP1258 -lco RESIZE=YES vn-names-cp1258.shp vn-names.geojson

# The same as PolygonZ (Z = 0), to check Z files are read in 2D.
ogr2ogr -f 'ESRI Shapefile' -dim XYZ -lco ENCODING=UTF-8 vn-names-z.shp vn-names.geojson
