// The console's map of all businesses: vendored country outlines as the base map (offline),
// tiles only when a tile server is configured, clustered pins and a popup per business.
// Business data is written into the popup with textContent only, never as HTML.
(function () {
  "use strict";

  const element = document.getElementById("business-map");
  if (!element || !window.L) return;
  const businesses = JSON.parse(document.getElementById("map-businesses").textContent);
  const config = JSON.parse(document.getElementById("map-config").textContent);
  const popupTemplate = document.getElementById("map-popup");
  const numbers = new Intl.NumberFormat(document.documentElement.lang || undefined);

  const map = L.map(element, { worldCopyJump: true, minZoom: 1, maxZoom: 18 });
  map.attributionControl.setPrefix(false);

  if (config.tileUrl) {
    L.tileLayer(config.tileUrl, {
      attribution: config.tileAttribution || "",
      maxZoom: 19,
    }).addTo(map);
  }

  // Without tiles the outlines are the land (filled); over tiles they are thin borders only.
  fetch(element.dataset.outlineUrl, { credentials: "same-origin" })
    .then(function (response) {
      if (!response.ok) throw new Error("outline " + response.status);
      return response.json();
    })
    .then(function (topology) {
      const outlines = L.geoJSON(topojson.feature(topology, topology.objects.countries), {
        interactive: false,
        attribution: element.dataset.outlineAttribution,
        style: {
          color: "#8a99a8",
          weight: 0.8,
          fill: !config.tileUrl,
          fillColor: "#f4f1ea",
          fillOpacity: 1,
        },
      }).addTo(map);
      outlines.bringToBack();
      element.dataset.outlines = "ready";
    })
    .catch(function () {
      element.dataset.outlines = "failed";
    });

  function popupFor(business) {
    const content = popupTemplate.content.firstElementChild.cloneNode(true);
    const field = function (name) {
      return content.querySelector('[data-field="' + name + '"]');
    };
    field("name").textContent = business.name;
    const status = field("status");
    status.textContent = business.status_label;
    status.classList.add(business.status === "active" ? "ok" : "bad");
    const place = [business.address, business.country].filter(Boolean).join(", ");
    if (place) field("address").textContent = place;
    else field("address").remove();
    field("customers").textContent = numbers.format(business.customers);
    field("scans").textContent = numbers.format(business.scans);
    field("url").href = business.url;
    return content;
  }

  const clusters = L.markerClusterGroup({
    showCoverageOnHover: false,
    maxClusterRadius: 50,
    chunkedLoading: true,
  });
  const markers = businesses.map(function (business) {
    const pinClass = business.status === "active" ? "map-pin-active" : "map-pin-suspended";
    const marker = L.marker([business.lat, business.lon], {
      title: business.name,
      icon: L.divIcon({
        className: "map-pin " + pinClass,
        iconSize: [14, 14],
        popupAnchor: [0, -8],
      }),
    });
    marker.bindPopup(function () {
      return popupFor(business);
    });
    return marker;
  });
  // The view first: the cluster group needs a zoom level when it is added.
  if (businesses.length) {
    const bounds = L.latLngBounds(
      businesses.map(function (business) {
        return [business.lat, business.lon];
      }),
    );
    // Outlines alone show nothing closer than a country; tiles are worth zooming into.
    map.fitBounds(bounds, { padding: [40, 40], maxZoom: config.tileUrl ? 12 : 6 });
  } else {
    map.setView([20, 0], 2);
  }
  clusters.addLayers(markers);
  map.addLayer(clusters);
  element.dataset.ready = "true";
})();
