/* The course finder: "near me" and the map. The list works without this file.
 *
 * Near me: the browser's position is used only to build the `near` GET parameter of
 * the finder's own URL (rounded to about 100 m). It is never stored: not in a cookie,
 * not in localStorage, and the server neither stores nor logs it.
 *
 * Map: Leaflet (from the XStatic-Leaflet package, served by this site) is loaded only
 * when the visitor asks for the map, so the first load stays light. Tiles come only from
 * a tile server the operator configured (MAP_TILE_URL; none by default, so the map asks
 * no other host); without tiles, or when they cannot load, the markers and the list still
 * show every place.
 */
(function () {
  "use strict";

  function setupNearMe() {
    var box = document.querySelector("[data-near-me]");
    if (!box || !("geolocation" in navigator)) return;
    var button = box.querySelector("[data-near-me-button]");
    var status = box.querySelector("[data-near-me-status]");
    box.hidden = false;
    button.addEventListener("click", function () {
      status.textContent = box.dataset.msgFinding;
      navigator.geolocation.getCurrentPosition(function (position) {
        var url = new URL(window.location.href);
        url.searchParams.set("near", position.coords.latitude.toFixed(3) + "," + position.coords.longitude.toFixed(3));
        url.searchParams.delete("postcode");
        url.searchParams.delete("side");  // the nearest are on the first page of the new order
        url.hash = "kurser";  // land on the list, not at the top of the page
        window.location.assign(url.toString());
      }, function () {
        status.textContent = box.dataset.msgUnavailable;
        offerPostcode(status);
      }, {maximumAge: 600000, timeout: 15000});
    });
  }

  /* No position (refused, switched off, timed out): the message says to type a postcode, so the
   * postcode field is brought to the person. It sits in the filters, folded away: they are opened, and
   * the focus moves to the field, which is described by the message (a screen reader reads both). */
  function offerPostcode(status) {
    var postcode = document.getElementById("f-postcode");
    if (!postcode) return;
    for (var node = postcode; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") node.open = true;
    }
    postcode.setAttribute("aria-describedby", status.id);
    postcode.focus();
  }

  function load(tag, attributes) {
    return new Promise(function (resolve, reject) {
      var element = document.createElement(tag);
      Object.keys(attributes).forEach(function (name) { element[name] = attributes[name]; });
      element.onload = resolve;
      element.onerror = reject;
      document.head.appendChild(element);
    });
  }

  function places() {
    var byVenue = {};
    document.querySelectorAll(".entry[data-lat]").forEach(function (item) {
      var key = item.dataset.lat + "," + item.dataset.lon;
      if (!byVenue[key]) {
        byVenue[key] = {lat: parseFloat(item.dataset.lat), lon: parseFloat(item.dataset.lon),
                        name: item.dataset.venue, address: item.dataset.address, url: item.dataset.url};
      }
    });
    return Object.keys(byVenue).map(function (key) { return byVenue[key]; });
  }

  function popup(place) {
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = place.url;
    link.textContent = place.name;
    var address = document.createElement("div");
    address.textContent = place.address;
    box.appendChild(link);
    box.appendChild(address);
    return box;
  }

  function showMap(container) {
    var L = window.L;
    var map = L.map(container, {scrollWheelZoom: false});
    if (container.dataset.tileUrl) {  // only when the operator has configured a tile server
      L.tileLayer(container.dataset.tileUrl, {maxZoom: 19, attribution: container.dataset.attribution}).addTo(map);
    }
    map.attributionControl.setPrefix(false);
    // The marker images by their own (hashed) URLs: Leaflet cannot find them from its stylesheet.
    var icon = L.icon({
      iconUrl: container.dataset.marker,
      iconRetinaUrl: container.dataset.marker2x,
      shadowUrl: container.dataset.markerShadow,
      iconSize: [25, 41],
      iconAnchor: [12, 41],
      popupAnchor: [1, -34],
      tooltipAnchor: [16, -28],
      shadowSize: [41, 41]
    });
    var points = places();
    points.forEach(function (place) {
      L.marker([place.lat, place.lon], {icon: icon, title: place.name, alt: place.name}).addTo(map).bindPopup(popup(place));
    });
    if (points.length) {
      map.fitBounds(points.map(function (place) { return [place.lat, place.lon]; }), {padding: [30, 30], maxZoom: 15});
    } else {
      map.setView([55.3959, 10.3883], 13);
    }
  }

  function setupMap() {
    var section = document.querySelector("[data-map-section]");
    if (!section || !window.Promise) return;
    var button = section.querySelector("[data-map-button]");
    var container = section.querySelector("#map");
    var note = section.querySelector("[data-map-note]");
    var loaded = false;
    section.hidden = false;
    button.addEventListener("click", function () {
      var opening = container.hidden;
      container.hidden = !opening;
      note.hidden = !opening;
      button.setAttribute("aria-expanded", String(opening));
      if (!opening || loaded) return;
      loaded = true;
      Promise.all([
        load("link", {rel: "stylesheet", href: container.dataset.leafletCss}),
        load("script", {src: container.dataset.leafletJs})
      ]).then(function () { showMap(container); }, function () { note.hidden = false; });
    });
  }

  setupNearMe();
  setupMap();
})();
