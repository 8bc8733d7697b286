/**
 * Vietnamese UI strings (the default language). Every string the viewer shows lives here,
 * keyed by id; `{name}` placeholders are filled by `t()`. An English catalog will have the
 * same keys (`Catalog` type below).
 */
export const vi = {
  'app.title': 'Bản sao số Thủ Dầu Một',
  'app.subtitle': 'Mô hình 3D thành phố — dữ liệu ngoại tuyến',
  'status.loadingLayers': 'Đang tải danh sách lớp dữ liệu…',
  'status.loadingTiles': 'Đang tải công trình…',
  'status.ready': 'Sẵn sàng',
  'status.layersError': 'Không tải được danh sách lớp dữ liệu: {message}',
  'status.layerError': 'Không tải được lớp “{title}”: {message}',
  'status.noLayers': 'Máy chủ chưa có lớp dữ liệu nào.',
  'status.features': '{count} công trình đang hiển thị',

  'style.heading': 'Tô màu công trình',
  'style.byUse': 'Theo mục đích sử dụng',
  'style.byHeight': 'Theo chiều cao',

  'legend.heading.use': 'Mục đích sử dụng đất',
  'legend.heading.height': 'Chiều cao công trình',
  'legend.use.residential': 'Nhà ở (ODT, ONT)',
  'legend.use.commercial': 'Thương mại, dịch vụ (TMD)',
  'legend.use.industrial': 'Công nghiệp (SKK, SKC, SKN, SKT)',
  'legend.use.public': 'Công cộng (giáo dục, y tế, cơ quan…)',
  'legend.use.religious': 'Tôn giáo, tín ngưỡng (TON, TIN)',
  'legend.use.other': 'Khác / chưa rõ',
  'legend.height.below': 'Dưới {max} m',
  'legend.height.range': '{min} – dưới {max} m',
  'legend.height.above': 'Từ {min} m trở lên',
  'legend.roads': 'Đường giao thông',
  'legend.road.trunk': 'Quốc lộ, đường trục',
  'legend.road.primary': 'Đường chính',
  'legend.road.secondary': 'Đường thứ cấp',
  'legend.road.tertiary': 'Đường nhánh',
  'legend.road.residential': 'Đường khu dân cư',
  'legend.boundary': 'Ranh giới phường',

  'panel.title': 'Thông tin công trình',
  'panel.close': 'Đóng',
  'panel.id': 'Mã công trình',
  'panel.name': 'Tên',
  'panel.height': 'Chiều cao',
  'panel.storeys': 'Số tầng',
  'panel.use': 'Mục đích sử dụng',
  'panel.ward': 'Phường',
  'panel.unknown': 'Chưa rõ',
  'panel.meters': '{value} m',
  'panel.useUnknownCode': 'mã không có trong danh mục',

  'home.tooltip': 'Về góc nhìn ban đầu',
} as const;

export type MessageId = keyof typeof vi;
export type Catalog = Record<MessageId, string>;
