// KPI charts of a project page: for each KPI target, its actual figures over time against the target.
// The data comes from a <script type="application/json"> named by the container's data-chart-source
// (the page's Content-Security-Policy allows no inline script).
(function () {
  'use strict';
  var container = document.querySelector('[data-chart-source]');
  if (!container || typeof echarts === 'undefined') {
    return;
  }
  var data = JSON.parse(document.getElementById(container.getAttribute('data-chart-source')).textContent);
  var labels = data.labels;
  var charts = [];

  data.series.forEach(function (series) {
    var column = document.createElement('div');
    column.className = 'col-md-6';
    var title = document.createElement('div');
    title.className = 'small fw-semibold';
    title.textContent = series.name + (series.unit ? ' (' + series.unit + ')' : '');
    var box = document.createElement('div');
    box.className = 'kpi-chart';
    box.setAttribute('role', 'img');
    box.setAttribute('aria-label', title.textContent);
    column.appendChild(title);
    column.appendChild(box);
    container.appendChild(column);

    var chart = echarts.init(box, null, {renderer: 'svg'});
    chart.setOption({
      animation: false,
      grid: {left: 56, right: 16, top: 28, bottom: 28},
      legend: {top: 0, data: [labels.actual, labels.target]},
      tooltip: {trigger: 'axis'},
      xAxis: {type: 'time'},
      yAxis: {type: 'value', min: 0},
      series: [
        {name: labels.actual, type: 'line', data: series.points, symbolSize: 6},
        {name: labels.target, type: 'line', data: [], markLine: {
          symbol: 'none', label: {formatter: labels.target + ' ' + series.target},
          data: [{yAxis: series.target}]}}
      ]
    });
    charts.push(chart);
  });

  window.addEventListener('resize', function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
})();
